// The public API of @wamp/cli: the `wamp` command as a function, for programs
// that want to run it in-process, and its parsing of arguments.

export { DEFAULT_REALM, DEFAULT_TIMEOUT_MS, DEFAULT_URL, ExitCode, main, parseCommandLine, version, type CliIo } from './main.js';
export { COMMAND_HELP, HELP } from './help.js';
export { UsageError, parsePayload, parseValue, resultText, toJson } from './values.js';
