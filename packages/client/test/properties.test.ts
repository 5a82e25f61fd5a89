import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { CancelMode } from '@wamp/client';
import { connected, settle, type Connected } from './harness.js';

type Op =
  | { readonly op: 'call'; readonly timeout: number; readonly progress: boolean; readonly abortable: boolean }
  | { readonly op: 'answer'; readonly pick: number; readonly kind: 'result' | 'error' | 'progress' }
  | { readonly op: 'abort'; readonly pick: number; readonly mode: CancelMode }
  | { readonly op: 'advance'; readonly ms: number }
  | { readonly op: 'drop' }
  | { readonly op: 'leave'; readonly answered: boolean }
  | { readonly op: 'goodbye' };

const ops: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('call' as const), timeout: fc.constantFrom(0, 50, 200), progress: fc.boolean(), abortable: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('answer' as const), pick: fc.nat(), kind: fc.constantFrom('result' as const, 'error' as const, 'progress' as const) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('abort' as const), pick: fc.nat(), mode: fc.constantFrom<CancelMode>('skip', 'kill', 'killnowait') }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 150 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'drop' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('leave' as const), answered: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ op: 'goodbye' as const }) },
);

interface Tracked {
  readonly request: number;
  readonly progress: boolean;
  readonly controller: AbortController | undefined;
  settlements: number;
  progressAfterEnd: boolean;
}

describe('Session properties', () => {
  it('random calls, answers, aborts, timeouts and disconnects: every promise settles exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(ops, { maxLength: 40 }), async (script) => {
        let c: Connected = await connected({ goodbyeTimeout: 100 });
        let calls: Tracked[] = [];
        /** Calls the router still owes an answer, by request ID. */
        let open = new Map<number, boolean>();
        const all: Tracked[] = [];
        let nextRequest = 1;

        const restart = async (): Promise<void> => {
          await c.session.closed;
          await settle();
          for (const t of calls) expect(t.settlements, `call ${t.request} still pending after close`).toBe(1);
          c = await connected({ goodbyeTimeout: 100 });
          calls = [];
          open = new Map();
          nextRequest = 1;
        };

        for (const step of script) {
          switch (step.op) {
            case 'call': {
              const controller = step.abortable ? new AbortController() : undefined;
              const t: Tracked = { request: nextRequest++, progress: step.progress, controller, settlements: 0, progressAfterEnd: false };
              c.session
                .call('com.a', [], {}, {
                  timeout: step.timeout,
                  ...(controller === undefined ? {} : { signal: controller.signal }),
                  ...(step.progress ? { onProgress: () => void (t.progressAfterEnd ||= t.settlements > 0) } : {}),
                })
                .then(
                  () => t.settlements++,
                  () => t.settlements++,
                );
              calls.push(t);
              all.push(t);
              open.set(t.request, step.progress);
              break;
            }
            case 'answer': {
              const requests = [...open.keys()];
              if (requests.length === 0) break;
              const request = requests[step.pick % requests.length]!;
              if (step.kind === 'progress') {
                if (open.get(request) === true) c.router.send([50, request, { progress: true }]);
                break;
              }
              c.router.send(step.kind === 'result' ? [50, request, {}, [1]] : [8, 48, request, {}, 'com.error']);
              open.delete(request);
              break;
            }
            case 'abort': {
              const abortable = calls.filter((t) => t.controller !== undefined);
              if (abortable.length === 0) break;
              abortable[step.pick % abortable.length]!.controller!.abort();
              break;
            }
            case 'advance':
              await c.time.advance(step.ms);
              break;
            case 'drop':
              c.router.transport.drop();
              await restart();
              break;
            case 'leave':
              void c.session.leave();
              await settle();
              if (step.answered) c.router.send([6, {}, 'wamp.close.goodbye_and_out']);
              else await c.time.advance(100);
              await restart();
              break;
            case 'goodbye':
              c.router.send([6, {}, 'wamp.close.system_shutdown']);
              await restart();
              break;
          }
          await settle();
          expect(c.session.isOpen, 'the client aborted the session').toBe(true);
        }
        c.router.transport.drop();
        await restart();
        for (const t of all) {
          expect(t.settlements).toBe(1);
          expect(t.progressAfterEnd).toBe(false);
        }
      }),
      { seed: 4242, numRuns: 120 },
    );
  });
});
