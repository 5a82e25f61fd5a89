// Shared parsing of the JSON spec that the orchestrator hands to every child
// process as its single argument, so that each child can also be started by hand:
//   node src/load/raw-ws.mjs '{"shape":"rpc","url":"ws://127.0.0.1:9000/relay", ...}'

export function readSpec() {
  const raw = process.argv[2];
  if (raw === undefined) {
    console.error(`usage: node ${process.argv[1]} '<json spec>'`);
    process.exit(2);
  }
  return JSON.parse(raw);
}

/** Prints one JSON line on stdout: the protocol between children and the orchestrator. */
export function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}
