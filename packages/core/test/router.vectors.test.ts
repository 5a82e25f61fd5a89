// The multi-session conformance vectors of ../shared/wamp-testsuite/multisession,
// run as data against the router for every serializer. Each vector lists the
// sessions and a sequence of messages to and from the router; IDs the router
// assigns (subscriptions, registrations, publications, invocations) may differ
// from the vector's, so they are bound on first sight and checked afterwards.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MessageType,
  cborSerializer,
  fromWire,
  jsonSerializer,
  messageTypeName,
  msgpackSerializer,
  toWire as messageToWire,
  type Dict,
  type Message,
  type Serializer,
} from '@wamp/core';
import { FULL_ROLES, RouterNet, type TestClient } from './harness/router-net.js';

const ROOT = fileURLToPath(new URL('../../../../shared/wamp-testsuite/multisession', import.meta.url));

interface Vector {
  description: string;
  sessions: { session_id: string; roles?: string[]; realm?: string }[];
  sequence: { step: number; from: string; to: string; message: Dict & { type: string } }[];
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : f.endsWith('.json') ? [p] : [];
  });
}

/** Wire layout of each message type in the vectors' named form (payload fields last). */
const LAYOUT: Record<string, string[]> = {
  HELLO: ['realm', 'details'],
  WELCOME: ['session_id', 'details'],
  ABORT: ['details', 'reason'],
  GOODBYE: ['details', 'reason'],
  ERROR: ['request_type', 'request_id', 'details', 'error', 'args', 'kwargs'],
  PUBLISH: ['request_id', 'options', 'topic', 'args', 'kwargs'],
  PUBLISHED: ['request_id', 'publication_id'],
  SUBSCRIBE: ['request_id', 'options', 'topic'],
  SUBSCRIBED: ['request_id', 'subscription_id'],
  UNSUBSCRIBE: ['request_id', 'subscription_id'],
  UNSUBSCRIBED: ['request_id', 'details'],
  EVENT: ['subscription_id', 'publication_id', 'details', 'args', 'kwargs'],
  CALL: ['request_id', 'options', 'procedure', 'args', 'kwargs'],
  CANCEL: ['request_id', 'options'],
  RESULT: ['request_id', 'details', 'args', 'kwargs'],
  REGISTER: ['request_id', 'options', 'procedure'],
  REGISTERED: ['request_id', 'registration_id'],
  UNREGISTER: ['request_id', 'registration_id'],
  UNREGISTERED: ['request_id', 'details'],
  INVOCATION: ['request_id', 'registration_id', 'details', 'args', 'kwargs'],
  INTERRUPT: ['request_id', 'options'],
  YIELD: ['request_id', 'options', 'args', 'kwargs'],
};

/** Fields whose value the router chooses, by message type: the binding namespace of each. */
function routerAssigned(type: string, field: string, session: string): string | undefined {
  if (field === 'subscription_id') return 'subscription';
  if (field === 'registration_id') return 'registration';
  if (field === 'publication_id') return 'publication';
  if (field === 'session_id') return 'session';
  // INVOCATION/INTERRUPT request IDs run in the router-to-callee direction, and YIELD or
  // ERROR(INVOCATION) from the callee echo them.
  if (field === 'request_id' && (type === 'INVOCATION' || type === 'INTERRUPT' || type === 'YIELD' || type === 'ERROR:INVOCATION')) return `invocation:${session}`;
  return undefined;
}

class Bindings {
  private readonly map = new Map<string, number>();
  /** A vector ID in a message to the router: the real one if bound. */
  resolve(ns: string, v: number): number {
    return this.map.get(`${ns}:${v}`) ?? v;
  }
  /** A vector ID in a message from the router: bind it, or check it is the one bound. */
  bind(ns: string, v: number, actual: unknown): void {
    const key = `${ns}:${v}`;
    const known = this.map.get(key);
    if (known === undefined) this.map.set(key, actual as number);
    else expect(actual, `${key} bound to ${known}`).toBe(known);
  }
}

function typeKey(m: Dict & { type: string }): string {
  return m.type === 'ERROR' ? `ERROR:${String(m['request_type'])}` : m.type;
}

/** The vector's named message as a wire array, router-assigned IDs resolved. */
function toWire(m: Dict & { type: string }, session: string, b: Bindings): unknown[] {
  const code = (MessageType as Record<string, number>)[m.type]!;
  const out: unknown[] = [code];
  const layout = LAYOUT[m.type]!;
  for (const f of layout) {
    let v = m[f];
    if (f === 'request_type' && typeof v === 'string') v = (MessageType as Record<string, number>)[v];
    const ns = routerAssigned(typeKey(m), f, session);
    if (ns !== undefined && typeof v === 'number') v = b.resolve(ns, v);
    if (v === undefined && (f === 'args' || f === 'kwargs')) break;
    out.push(v ?? {});
  }
  if (out.length > layout.indexOf('args') + 1 && m['kwargs'] !== undefined && m['args'] === undefined) out.splice(layout.indexOf('args') + 1, 0, []);
  return out;
}

function check(expected: Dict & { type: string }, actual: Message, session: string, b: Bindings): void {
  const name = messageTypeName(actual.type)!;
  expect(name).toBe(expected.type);
  const wire = fromWireToNamed(actual);
  for (const f of LAYOUT[expected.type]!) {
    const want = expected[f];
    const got = wire[f];
    const ns = routerAssigned(typeKey(expected), f, session);
    if (ns !== undefined && typeof want === 'number') b.bind(ns, want, got);
    else if (want === undefined && (f === 'args' || f === 'kwargs')) expect(got === undefined || (Array.isArray(got) && got.length === 0)).toBe(true);
    else expect(got, `${expected.type}.${f}`).toEqual(want ?? {});
  }
}

function fromWireToNamed(m: Message): Dict {
  const w = messageToWire(m);
  const named: Record<string, unknown> = {};
  LAYOUT[messageTypeName(m.type)!]!.forEach((f, i) => (named[f] = w[i + 1]));
  if (m.type === MessageType.ERROR) named['request_type'] = messageTypeName(m.requestType);
  return named;
}

const SERIALIZERS: Serializer[] = [jsonSerializer, msgpackSerializer, cborSerializer];

describe('multi-session conformance vectors', () => {
  const paths = files(ROOT);
  it('finds the vectors', () => {
    expect(paths.length).toBeGreaterThan(0);
  });
  for (const path of paths) {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Vector;
    for (const serializer of SERIALIZERS) {
      it(`${path.slice(ROOT.length + 1)} (${serializer.name}): ${v.description}`, () => {
        const realms = [...new Set(v.sessions.map((s) => s.realm ?? 'realm1'))];
        // Vectors pick request IDs freely, so the router runs with lenient request IDs.
        const net = new RouterNet({ realms: realms.map((name) => ({ name })), requestIds: 'lenient' });
        const clients = new Map<string, TestClient>();
        for (const s of v.sessions) {
          const roles = Object.fromEntries((s.roles ?? Object.keys(FULL_ROLES)).map((r) => [r, FULL_ROLES[r]]));
          clients.set(s.session_id, net.join({ realm: s.realm ?? 'realm1', roles, serializer }));
        }
        const b = new Bindings();
        for (const step of v.sequence) {
          if (step.to === 'router') {
            const c = clients.get(step.from)!;
            c.send(fromWire(toWire(step.message, step.from, b)));
          } else {
            const c = clients.get(step.to)!;
            const got = c.inbox.shift();
            expect(got, `step ${step.step}: ${step.message.type} to ${step.to}`).toBeDefined();
            check(step.message, got!, step.to, b);
          }
        }
        for (const [name, c] of clients) expect(c.take(), `nothing more for ${name}`).toEqual([]);
      });
    }
  }
});
