// Process orchestration: servers are forked with an IPC channel (./servers/serve.mjs),
// load generators are spawned with their spec as argv[2] and speak JSON lines on
// stdout. Every child is tracked and killed by its own pid when the run ends, fails
// or is interrupted, so no process outlives the benchmark.

import { fork, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const children = new Set();


function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Kills every child still running (SIGKILL, by pid). Safe to call more than once. */
export function killAll() {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
}

process.once('exit', killAll);

/**
 * Runs an orchestrating script's `main`: Ctrl-C and termination kill the
 * children first; the process exits 0 when `main` resolves and 1 (with the
 * error on stderr) when it rejects, never leaving a server behind.
 */
export function runMain(main) {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
  main().then(
    () => {
      killAll();
      process.exit(0);
    },
    (e) => {
      process.stderr.write(`${String(e?.stack ?? e)}\n`);
      killAll();
      process.exit(1);
    },
  );
}

/** The last lines a child wrote, for error messages. */
function tail(stream, keep = 20) {
  const lines = [];
  createInterface({ input: stream }).on('line', (line) => {
    lines.push(line);
    if (lines.length > keep) lines.shift();
  });
  return lines;
}

const waitExit = (child, ms) =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * Forks a server process and waits until it listens.
 * @returns {Promise<{ endpoints: object, request(cmd: string): Promise<object>, stop(): Promise<void>, pid: number }>}
 */
export async function startServer(file, { execArgv = [], env = {}, args = [], readyTimeoutMs = 15_000 } = {}) {
  const child = track(
    fork(file, args, {
      execArgv: ['--expose-gc', ...execArgv],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, ...env },
    }),
  );
  const out = tail(child.stdout);
  const err = tail(child.stderr);
  const pending = new Map();
  let nextId = 1;
  const describe = () => [...out, ...err].slice(-20).join('\n');

  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not listen within ${readyTimeoutMs} ms\n${describe()}`)), readyTimeoutMs);
    child.on('message', (msg) => {
      if (msg?.type === 'ready') {
        clearTimeout(timer);
        resolve(msg.endpoints);
      } else if (msg?.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(`${file} failed to start: ${msg.error}`));
      } else if (msg?.id !== undefined) {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error !== undefined) p?.reject(new Error(msg.error));
        else p?.resolve(msg);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited (${code ?? signal}) before listening\n${describe()}`));
      for (const p of pending.values()) p.reject(new Error(`${file} exited (${code ?? signal})\n${describe()}`));
      pending.clear();
    });
  });
  let endpoints;
  try {
    endpoints = await ready;
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }

  const request = (cmd, timeoutMs = 10_000) =>
    new Promise((resolve, reject) => {
      if (!child.connected) return reject(new Error(`${file} is not running\n${describe()}`));
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${file} did not answer ${cmd}`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.send({ id, cmd });
    });

  return {
    pid: child.pid,
    endpoints,
    request,
    alive: () => child.exitCode === null && child.signalCode === null,
    describe,
    async stop() {
      try {
        await request('close', 3000);
      } catch {
        // it is killed below
      }
      await waitExit(child, 2000);
    },
  };
}

/**
 * Runs one load process to completion. `hooks.onStart` / `hooks.onEnd` run when
 * the child reports that its measured window opens / closes (to sample the
 * server's CPU in the same window); their results are returned beside the child's.
 */
export function runLoad(file, spec, hooks = {}, { timeoutMs, execArgv = [], env } = {}) {
  const limit = timeoutMs ?? spec.warmupMs + (spec.warmupOps ? (spec.warmupMaxMs ?? 8000) : 0) + spec.durationMs + 30_000;
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(process.execPath, [...execArgv, file, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'], env: env === undefined ? process.env : { ...process.env, ...env } }),
    );
    const err = tail(child.stderr);
    let result;
    let started;
    let ended;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`load ${file} exceeded ${limit} ms\n${err.join('\n')}`));
    }, limit);
    createInterface({ input: child.stdout }).on('line', (line) => {
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        return; // a library printing on stdout
      }
      if (msg.event === 'start') started = hooks.onStart?.();
      else if (msg.event === 'end') ended = hooks.onEnd?.();
      else if (msg.event === 'result') result = msg;
    });
    child.once('exit', async (code, signal) => {
      clearTimeout(timer);
      if (result === undefined) {
        reject(new Error(`load ${file} exited (${code ?? signal}) without a result\n${err.join('\n')}`));
        return;
      }
      if (!result.ok) {
        reject(new Error(`load ${file}: ${result.error}\n${err.join('\n')}`));
        return;
      }
      try {
        resolve({ ...result, start: await started, end: await ended });
      } catch (e) {
        reject(e);
      }
    });
  });
}

/**
 * Starts a long-lived load process (the idle-session joiner): resolves with the
 * first `{"event": "joined"}` line; `finish()` closes its stdin, which tells it to
 * close its sessions and exit, and kills it if it does not within `graceMs`.
 */
export function startHolder(file, spec, { timeoutMs = 120_000, graceMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = track(spawn(process.execPath, [file, JSON.stringify(spec)], { stdio: ['pipe', 'pipe', 'pipe'] }));
    const err = tail(child.stderr);
    let settled = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      if (!settled) reject(new Error(`${file} did not finish joining in ${timeoutMs} ms\n${err.join('\n')}`));
      settled = true;
    }, timeoutMs);
    const finish = async () => {
      child.stdin.end();
      await waitExit(child, graceMs);
    };
    createInterface({ input: child.stdout }).on('line', (line) => {
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      if (settled) return;
      if (msg.event === 'joined' || (msg.event === 'result' && !msg.ok)) {
        settled = true;
        clearTimeout(timer);
        if (msg.event === 'joined') resolve({ ...msg, finish });
        else {
          child.kill('SIGKILL');
          reject(new Error(`${file}: ${msg.error}\n${err.join('\n')}`));
        }
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!settled) reject(new Error(`${file} exited (${code ?? signal}) before joining\n${err.join('\n')}`));
      settled = true;
    });
  });
}
