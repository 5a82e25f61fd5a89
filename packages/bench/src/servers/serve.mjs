// The common frame of every server process (raw ws, fox-wamp, our router): it is
// forked by the orchestrator with an IPC channel and answers a few requests on it.
//   -> {type:'ready', endpoints}            once listening (ports chosen by the OS)
//   <- {id, cmd:'cpu'}   -> {id, cpu, faults, scavenges}
//                                            cumulative user+system CPU (µs), minor page
//                                            faults, and young-generation GCs (scavenges)
//   <- {id, cmd:'mem'}   -> {id, mem}       process.memoryUsage() after full GCs
//   <- {id, cmd:'close'} -> {id}            then the process exits
// It exits by itself when the orchestrator goes away (the channel disconnects), so
// no server outlives a run.

import { PerformanceObserver, constants } from 'node:perf_hooks';

export function serve(start) {
  // Young-generation GCs, for the latency ladder (src/ladder.mjs): on this kind of
  // VM a page fault costs tens of µs, and fresh young-generation pages fault.
  let scavenges = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
  }).observe({ entryTypes: ['gc'] });
  if (typeof process.send !== 'function') {
    console.error('a server process is started by the orchestrator (src/bench.mjs), with an IPC channel');
    process.exit(2);
  }
  process.on('disconnect', () => process.exit(0));

  let server;
  process.on('message', async (req) => {
    try {
      if (req.cmd === 'cpu') {
        const u = process.cpuUsage();
        process.send({ id: req.id, cpu: u.user + u.system, faults: process.resourceUsage().minorPageFault, scavenges });
      } else if (req.cmd === 'mem') {
        // Several passes: one full GC can leave garbage that a finalizer frees for the next.
        for (let i = 0; i < 3; i++) {
          globalThis.gc?.();
          await new Promise((resolve) => setImmediate(resolve));
        }
        process.send({ id: req.id, mem: process.memoryUsage(), gc: typeof globalThis.gc === 'function' });
      } else if (req.cmd === 'close') {
        await Promise.race([server?.close(), new Promise((resolve) => setTimeout(resolve, 2000))]);
        process.send({ id: req.id }, () => process.exit(0));
      }
    } catch (err) {
      process.send({ id: req.id, error: String(err?.stack ?? err) });
    }
  });

  start().then(
    (s) => {
      server = s;
      process.send({ type: 'ready', endpoints: s.endpoints });
    },
    (err) => {
      process.send({ type: 'failed', error: String(err?.stack ?? err) }, () => process.exit(1));
    },
  );
}
