/** The usage texts of `wamp` and of each command. */

const CONNECTION = `Connection (every command):
  --url URL                 ws://, wss://, rs:// (RawSocket), rss:// (RawSocket
                            over TLS) or unix:/path; default $WAMP_URL, else
                            ws://127.0.0.1:8080/ws
  --realm NAME              default $WAMP_REALM, else realm1
  --serializer NAME         json | msgpack | cbor (default: WebSocket offers all
                            three, RawSocket uses json)
  --authid ID               authentication ID (needed by --ticket, --wampcra-secret)
  --ticket TICKET           ticket authentication
  --wampcra-secret SECRET   WAMP-CRA authentication
  --cryptosign-key FILE     cryptosign authentication: FILE holds the Ed25519
                            private key seed (64 hex digits, or 32 raw bytes)
  --ca FILE                 PEM certificate(s) to trust for wss:// and rss://
                            (a router with a private or self-signed certificate)
  --timeout MS              for connecting, joining and each request
                            (default 10000; 0 waits forever)
  -h, --help                help (wamp COMMAND --help for a command)
  -V, --version             the version`;

const PAYLOAD = `Arguments: each word is a positional argument, read as JSON when it is
valid JSON (42, true, null, "quoted", [1,2], {"a":1}) and as a string
otherwise; KEY=VALUE is a keyword argument (VALUE read the same way).
--kwargs JSON adds keyword arguments from a JSON object. Put -- before
arguments that start with a dash: wamp call com.math.add -- -1 -2`;

/** `wamp --help`. */
export const HELP = `Usage: wamp COMMAND [options] [arguments]

Talk to a WAMP router from the command line.

Commands:
  call PROC [ARGS...]       call a procedure and print its result
  publish TOPIC [ARGS...]   publish an event (acknowledged)
  subscribe TOPIC           print events as JSON lines until interrupted
  register PROC             answer calls: echo the arguments, or run --exec CMD
  meta sessions|registrations|subscriptions
                            list what the realm holds (the meta API)

${CONNECTION}

${PAYLOAD}

Exit codes: 0 done, 1 WAMP error (its URI on stderr), 2 usage, 3 cannot connect.
`;

/** `wamp COMMAND --help`, by command. */
export const COMMAND_HELP: Readonly<Record<string, string>> = {
  call: `Usage: wamp call PROC [ARGS...] [KEY=VALUE...] [options]

Call PROC and print the result on stdout as JSON: the value when the result
is a single positional value, {"args": [...], "kwargs": {...}} otherwise,
nothing for an empty result. A WAMP error exits 1 with its URI, arguments
and keyword arguments on stderr.

  wamp call com.math.add 2 3
  wamp call com.users.find name=joe --kwargs '{"limit": 10}'

${PAYLOAD}

${CONNECTION}
`,
  publish: `Usage: wamp publish TOPIC [ARGS...] [KEY=VALUE...] [options]

Publish an event to TOPIC and wait for the broker's acknowledgement (a
refusal exits 1 with its URI).

  wamp publish com.chat.say "hello" from=cli

${PAYLOAD}

${CONNECTION}
`,
  subscribe: `Usage: wamp subscribe TOPIC [options]

Print each event on TOPIC as one JSON line on stdout:
{"topic": ..., "publication": ..., "args": [...], "kwargs": {...}}
("publisher" too when the router discloses it), until interrupted (Ctrl-C)
or, with --count, after N events.

  --count N                 exit 0 after N events
  --match POLICY            exact (default) | prefix | wildcard

  wamp subscribe com.chat.say --count 1

${CONNECTION}
`,
  register: `Usage: wamp register PROC [options]

Register PROC and answer its calls until interrupted. Without --exec each
call gets its own arguments back (an echo). With --exec, CMD runs in a
shell for each call with {"args": [...], "kwargs": {...}} on its stdin and
WAMP_PROCEDURE in its environment; its stdout, read as JSON when it is
valid JSON (else as a string), is the result. A non-zero exit answers
wamp.error.runtime_error with the exit code and the end of its stderr.
Each call is printed on stdout as a JSON line.

  --exec CMD                the command that answers each call
  --count N                 exit 0 after answering N calls
  --match POLICY            exact (default) | prefix | wildcard

  wamp register com.math.sum --exec 'jq "[.args[]] | add"'

${CONNECTION}
`,
  meta: `Usage: wamp meta sessions|registrations|subscriptions [options]

Print what the realm holds, as a JSON array, through the meta API:
  sessions        wamp.session.list, then wamp.session.get for each
  registrations   wamp.registration.list, .get and .list_callees for each
  subscriptions   wamp.subscription.list, .get and .list_subscribers for each

The router must allow the wamp.* meta procedures to your role.

${CONNECTION}
`,
};
