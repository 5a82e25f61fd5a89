// What the figures were measured on: they mean little without it.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';

const require = createRequire(import.meta.url);

function versionOf(name) {
  try {
    return require(`${name}/package.json`).version;
  } catch {
    return undefined;
  }
}

/** Whether `ws` (as our packages resolve it) gets its native masking helper; it changes the raw numbers. */
function bufferutil() {
  try {
    const wsRequire = createRequire(require.resolve('ws'));
    wsRequire('bufferutil');
    return process.env.WS_NO_BUFFER_UTIL ? 'installed, disabled by WS_NO_BUFFER_UTIL' : 'yes';
  } catch {
    return 'no';
  }
}

function gitCommit() {
  try {
    const out = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const dirty = execFileSync('git', ['status', '--porcelain'], { stdio: ['ignore', 'pipe', 'ignore'] }).length > 0;
    return `${out.toString().trim()}${dirty ? ' (with uncommitted changes)' : ''}`;
  } catch {
    return undefined;
  }
}

function cgroupCpuLimit() {
  try {
    const [quota, period] = readFileSync('/sys/fs/cgroup/cpu.max', 'utf8').trim().split(/\s+/);
    if (quota === 'max') return undefined;
    return Number(quota) / Number(period);
  } catch {
    return undefined;
  }
}

export function describeMachine() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    cores: os.availableParallelism?.() ?? cpus.length,
    cgroupCpuLimit: cgroupCpuLimit(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    ws: versionOf('ws'),
    bufferutil: bufferutil(),
    autobahn: versionOf('autobahn'),
    foxWamp: versionOf('fox-wamp'),
    fdLimit: fdLimit(),
    commit: gitCommit(),
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/** The open-files limits of this process (Node has already raised soft to hard at startup). */
export function fdLimit() {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = line.replace('Max open files', '').trim().split(/\s+/);
    return { soft: soft === 'unlimited' ? Infinity : Number(soft), hard: hard === 'unlimited' ? Infinity : Number(hard) };
  } catch {
    return undefined;
  }
}
