// Configuration a person can read: every fault at once with its field, JSON
// syntax errors with line and column, the published JSON Schema (checked
// with ajv against the embedded default and the examples), and logs: the
// peer address on join/leave, each event once, the debug message trace.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterEach, describe, expect, it } from 'vitest';
import { RouterConfigError, type Dict } from '@wamp/core';
import { DEFAULT_CONFIG, createRouter, jsonErrorOffset, loadConfigFile, validateNodeRouterConfig } from '@wamp/node-router';
import { COMBOS, Cleanup, captureLogs, joinSession, tempDir, transportFor, waitFor, writeJson } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const SCHEMA = JSON.parse(readFileSync(new URL('../config.schema.json', import.meta.url), 'utf8')) as Dict;
const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const ajv = new Ajv({ allErrors: true, strict: true });
const schemaValid = ajv.compile(SCHEMA);

function faultsOf(f: () => unknown): RouterConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(RouterConfigError);
    return e as RouterConfigError;
  }
  throw new Error('expected a RouterConfigError');
}

/** Every ```json block of the README that is a configuration file (pretty-printed; log lines are one object a line). */
function readmeConfigs(): Dict[] {
  return [...README.matchAll(/```json\n(\{\n[\s\S]*?)\n```/g)].map((m) => JSON.parse(m[1]!) as Dict).filter((c) => 'realms' in c || 'listeners' in c || 'admin' in c);
}

describe('configuration: every fault at once', () => {
  it('reports the faults of the core part and of the node part together, each naming its field', () => {
    const e = faultsOf(() =>
      validateNodeRouterConfig({
        realms: [{ name: 'realm1', roles: [{ name: 'r', permissions: [{ uri: 'com.x', match: 'fuzzy' }] }] }],
        listeners: [{ type: 'websocket', port: 70_000, path: 'ws' }, { type: 'carrier-pigeon' }],
        backpressure: { policy: 'sometimes' },
        log: { level: 'chatty' },
        admin: { port: -1 },
        listners: [],
      }),
    );
    expect(e.errors.map((x) => x.path)).toEqual([
      'config.listners',
      'realms[0].roles[0].permissions[0].match',
      'listeners[0].path',
      'listeners[0].port',
      'listeners[1].type',
      'backpressure.policy',
      'log.level',
      'admin.port',
    ]);
    expect(e.message.split('\n')).toHaveLength(8);
    expect(e.message).toContain('listeners[0].port: must be an integer in [0, 65535]');
  });

  it('a config file: every fault names the file; a JSON syntax error its line and column', () => {
    const dir = tempDir(cleanup);
    const bad = writeJson(join(dir, 'bad.json'), { realms: [{ name: 'realm1' }], heartbeatMs: -5, log: { format: 'xml' } });
    const e = faultsOf(() => loadConfigFile(bad));
    expect(e.message.split('\n')).toEqual([
      `heartbeatMs: must be an integer in [0, 3600000] (in ${bad})`,
      `log.format: must be "json" or "pretty" (in ${bad})`,
    ]);
    const cases: [string, number, number][] = [
      ['{\n  "realms": [\n    { "name": "realm1" },\n  ]\n}\n', 4, 3], // trailing comma: the ] is wrong
      ['{\n  "realms": [ { "name": realm1 } ]\n}', 2, 25], // unquoted value
      ['{ "realms": [ ', 1, 15], // cut short: the end
      ['{"a": 1}}', 1, 9], // garbage after the value
      ['{\n\t"a": "tab\tin string"}', 2, 11], // control character in a string
    ];
    for (const [text, line, column] of cases) {
      const file = join(dir, 'syntax.json');
      writeFileSync(file, text);
      const err = faultsOf(() => loadConfigFile(file));
      expect(err.message, text).toContain(`not valid JSON at line ${line}, column ${column}:`);
      expect(() => JSON.parse(text)).toThrow();
    }
    // Valid JSON: the scanner reaches the end.
    const valid = '{"ok": [1, -2.5e3, true, null, "\\u00e9\\n", {}, []]}';
    expect(jsonErrorOffset(valid)).toBe(valid.length);
  });
});

describe('config.schema.json', () => {
  it('is published with the package', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { files: string[]; exports: Dict };
    expect(pkg.files).toContain('config.schema.json');
    expect(pkg.exports['./config.schema.json']).toBe('./config.schema.json');
  });

  it('accepts the embedded default, the README examples and the configurations of the tests', () => {
    const examples: unknown[] = [
      DEFAULT_CONFIG,
      ...readmeConfigs(),
      { realms: [{ name: 'realm1' }], listeners: [{ type: 'websocket', host: '127.0.0.1', port: 0 }], admin: { host: '127.0.0.1', port: 0 }, heartbeatMs: 0 },
      { $schema: './node_modules/@wamp/node-router/config.schema.json', realms: [{ name: 'app' }], listeners: [{ type: 'rawsocket', path: 'wamp.sock' }] },
    ];
    expect(readmeConfigs().length).toBeGreaterThanOrEqual(2);
    // The README's router authentication example reads its key from keys/router.seed beside the config.
    const base = mkdtempSync(join(tmpdir(), 'wamp-schema-'));
    mkdirSync(join(base, 'keys'));
    writeFileSync(join(base, 'keys', 'router.seed'), '11'.repeat(32));
    for (const c of examples) {
      const ok = schemaValid(c);
      expect(ok ? [] : schemaValid.errors, JSON.stringify(c).slice(0, 80)).toEqual([]);
      // And the router itself agrees.
      expect(() => validateNodeRouterConfig(c, base)).not.toThrow();
    }
    rmSync(base, { recursive: true, force: true });
  });

  it('refuses what the router refuses (so editors flag it early)', () => {
    const refused: unknown[] = [
      { listners: [] },
      { realms: [{ name: 'a', roles: [{ name: 'r', permissions: [{ uri: 'x', match: 'fuzzy' }] }] }] },
      { listeners: [{ type: 'websocket', port: 70_000 }] },
      { listeners: [{ type: 'rawsocket', port: 1, path: '/x' }] },
      { backpressure: { policy: 'sometimes' } },
      { admin: { host: 'h' } },
      { realms: [{ name: 'a', auth: { ticket: { type: 'static', principals: { joe: { ticket: 't' } } } } }] },
      { realms: [{ name: 'a', auth: { cryptosign: { type: 'static', principals: { k: { authorizedKeys: ['zz'], authrole: 'r' } } } } }] },
    ];
    for (const c of refused) {
      expect(schemaValid(c), JSON.stringify(c)).toBe(false);
      expect(() => validateNodeRouterConfig(c)).toThrow(RouterConfigError);
    }
  });
});

describe('logs', () => {
  const WS = COMBOS.find((c) => c.transport === 'websocket' && c.serializer === 'cbor' && !c.batched && !c.tls)!;

  it('join and leave lines carry the peer address; each listener is logged once; debug traces every message', async () => {
    const logs = captureLogs('debug');
    const router = createRouter(
      { realms: [{ name: 'realm1' }], listeners: [{ type: 'websocket', host: '127.0.0.1', port: 0 }], heartbeatMs: 0 },
      { logger: logs.logger },
    );
    cleanup.add(() => router.close());
    await router.listen();
    const listening = logs.records.filter((r) => r['msg'] === 'listening');
    expect(listening).toHaveLength(1);
    expect(listening[0]).toMatchObject({ url: router.addresses[0]!.url, realms: 'realm1' });

    const { session } = await joinSession(cleanup, transportFor(router, WS), { realm: 'realm1' });
    await session.call('wamp.session.count', ['x'.repeat(1_000)]).catch(() => undefined);
    await session.leave();
    await waitFor(() => logs.records.some((r) => r['msg'] === 'session left'), 'the leave line');

    const joined = logs.records.find((r) => r['msg'] === 'session joined')!;
    const left = logs.records.find((r) => r['msg'] === 'session left')!;
    expect(joined['peer']).toMatch(/^tcp4:127\.0\.0\.1:\d+$/);
    expect(left['peer']).toBe(joined['peer']);

    const trace = logs.records.filter((r) => r['msg'] === 'message in' || r['msg'] === 'message out');
    expect(trace.map((r) => `${String(r['msg'])} ${String(r['type'])}`)).toEqual([
      'message in HELLO',
      'message out WELCOME',
      'message in CALL',
      'message out ERROR',
      'message in GOODBYE',
      'message out GOODBYE',
    ]);
    // Every line after the WELCOME names the session, the last GOODBYE too (sent after the session closed).
    for (const r of trace.slice(1)) expect(r['session']).toBe(joined['session']);
    const call = trace[2]!;
    expect(call).toMatchObject({ level: 'debug', session: joined['session'], peer: joined['peer'] });
    expect(call['bytes']).toBeGreaterThan(1_000);
    // The payload (CBOR, shown as JSON) is cut short.
    expect(String(call['payload'])).toMatch(/^\[48,\d+,\{\},"wamp\.session\.count",\["xxx/);
    expect(String(call['payload'])).toMatch(/…\(\d+ more\)$/);
    expect(String(call['payload']).length).toBeLessThan(300);
  });

  it('logs nothing per message above debug', async () => {
    const logs = captureLogs('info');
    const router = createRouter(
      { realms: [{ name: 'realm1' }], listeners: [{ type: 'websocket', host: '127.0.0.1', port: 0 }], heartbeatMs: 0 },
      { logger: logs.logger },
    );
    cleanup.add(() => router.close());
    await router.listen();
    const { session } = await joinSession(cleanup, transportFor(router, WS), { realm: 'realm1' });
    await session.call('wamp.session.count');
    expect(logs.records.filter((r) => String(r['msg']).startsWith('message '))).toEqual([]);
  });
});
