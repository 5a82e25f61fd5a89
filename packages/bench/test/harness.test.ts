// The benchmark harness itself: its statistics, and one real measurement end to
// end (a plain ws echo server process and a load process, on 127.0.0.1), so that
// `pnpm bench` cannot silently rot between the runs that produce BENCHMARKS.md.

import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { runLoad, startServer } from '../src/lib/proc.mjs';
import { median, percentiles, Samples } from '../src/lib/stats.mjs';

const src = (p: string): string => fileURLToPath(new URL(`../src/${p}`, import.meta.url));

describe('statistics', () => {
  it('takes the median of the finite values only', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });

  it('reads nearest-rank percentiles from samples that outgrow their first buffer', () => {
    const s = new Samples(4);
    for (let i = 100; i >= 1; i--) s.push(i);
    const p = s.summary();
    expect(p).toMatchObject({ n: 100, p50: 50, p90: 90, p99: 99, max: 100 });
    expect(p.mean).toBeCloseTo(50.5);
    expect(percentiles(new Float64Array(0), 0).p50).toBeNaN();
  });
});

describe('one measurement end to end', () => {
  it('runs the echo shape against the plain ws server and stops every process', async () => {
    const server = await startServer(src('servers/raw-ws.mjs'));
    try {
      expect(server.endpoints.ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
      let cpuAtStart = Number.NaN;
      const result = await runLoad(
        src('load/raw-ws.mjs'),
        { shape: 'rpc', mode: 'relay', inflight: 10, payloadBytes: 32, url: server.endpoints.ws, durationMs: 200, warmupMs: 50 },
        {
          onStart: async () => {
            cpuAtStart = (await server.request('cpu')).cpu;
          },
          onEnd: async () => (await server.request('cpu')).cpu - cpuAtStart,
        },
      );
      expect(result.ok).toBe(true);
      expect(result.ops).toBeGreaterThan(0);
      expect(result.rate).toBeGreaterThan(0);
      expect(result.latencyMs.n).toBe(result.ops);
      expect(result.drained).toBe(true);
      // The relay forwards every frame, so the server worked during the window.
      expect(result.end).toBeGreaterThan(0);
      const mem = await server.request('mem');
      expect(mem.gc).toBe(true);
      expect(mem.mem.rss).toBeGreaterThan(0);
    } finally {
      await server.stop();
    }
    expect(server.alive()).toBe(false);
  });

  it('warms up for at least warmupOps operations before the window opens', async () => {
    const server = await startServer(src('servers/raw-ws.mjs'));
    try {
      // One at a time, 2000 round trips take far longer than the 1 ms of warm-up time.
      const spec = { shape: 'rpc', mode: 'relay', inflight: 1, payloadBytes: 32, url: server.endpoints.ws, durationMs: 100, warmupMs: 1 };
      const counted = await runLoad(src('load/raw-ws.mjs'), { ...spec, warmupOps: 2000 });
      expect(counted.ok).toBe(true);
      expect(counted.warmedOps).toBeGreaterThanOrEqual(2000);
      expect(counted.ops).toBeGreaterThan(0);
    } finally {
      await server.stop();
    }
  });

  it('reports a load that cannot reach its server as a failed run', async () => {
    await expect(
      runLoad(src('load/raw-ws.mjs'), { shape: 'rpc', mode: 'echo', inflight: 1, url: 'ws://127.0.0.1:1', durationMs: 100, warmupMs: 10 }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
