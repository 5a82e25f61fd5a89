import { describe, expect, it } from 'vitest';
import { Router, RouterConfigError, seededRandomId, validateRouterConfig } from '@wamp/core';
import { nodeCryptoProvider } from '@wamp/client/node-crypto';
import { thrown } from './kit/thrown.js';

const opts = { randomId: seededRandomId(1) };

function fault(config: unknown): string {
  return thrown(() => validateRouterConfig(config), RouterConfigError, 'expected a RouterConfigError').message;
}

describe('router configuration', () => {
  it('accepts a full plain-object configuration (as parsed from JSON) and freezes it', () => {
    const text = JSON.stringify({
      agent: 'my-router',
      uriRule: 'strict',
      requestIds: 'lenient',
      limits: { maxMessageSize: 65536, maxSessionsPerRealm: 10 },
      timeouts: { auth: 5000 },
      realms: [
        {
          name: 'realm1',
          roles: [
            {
              name: 'user',
              permissions: [
                { uri: '', match: 'prefix', allow: { subscribe: true } },
                { uri: 'com.app.f', allow: { call: true }, disclose: { caller: 'force' } },
              ],
            },
            { name: 'ops', trusted: true },
          ],
          auth: {
            anonymous: { type: 'static', authrole: 'user' },
            ticket: { type: 'static', principals: { joe: { ticket: 'x', authrole: 'user' } } },
            wampcra: { type: 'procedure', procedure: 'com.app.authenticate', realm: 'realm1' },
            cryptosign: { type: 'static', principals: { dev: { authorizedKeys: ['AB'.repeat(32)], authrole: 'user' } } },
          },
          limits: { maxRegistrationsPerSession: 5 },
        },
      ],
    });
    const c = validateRouterConfig(JSON.parse(text));
    expect(Object.isFrozen(c)).toBe(true);
    expect(c.realms[0]!.auth!.cryptosign).toMatchObject({ principals: { dev: { authorizedKeys: ['ab'.repeat(32)] } } });
    expect(c.realms[0]!.roles![0]!.permissions![1]).toEqual({ uri: 'com.app.f', match: 'exact', allow: { call: true }, disclose: { caller: 'force' } });
    const router = Router.fromConfig(JSON.parse(text), { ...opts, crypto: nodeCryptoProvider() });
    expect(router.realmNames).toEqual(['realm1']);
    expect(router.limits.maxMessageSize).toBe(65536);
    expect(router.limits.maxDepth).toBe(64);
    expect(router.timeouts).toMatchObject({ auth: 5000, hello: 10_000 });
  });

  it.each([
    [{}, 'realms: must be a list'],
    [{ realms: [], bogus: 1 }, 'config.bogus: unknown field'],
    [{ realms: [{ name: 'has space' }] }, 'realms[0].name: must be a valid URI'],
    [{ realms: [{ name: 'a' }, { name: 'a' }] }, 'realms[1].name: duplicate realm "a"'],
    [{ realms: [{ name: 'a', roles: [{ name: 'r', permissions: [{ uri: 'x', match: 'fuzzy' }] }] }] }, 'realms[0].roles[0].permissions[0].match: must be one of exact, prefix, wildcard'],
    [{ realms: [{ name: 'a', roles: [{ name: 'r', permissions: [{ uri: 'a..b' }] }] }] }, 'realms[0].roles[0].permissions[0].uri: must be a valid exact URI pattern'],
    [{ realms: [{ name: 'a', roles: [{ name: 'r', permissions: [{ uri: 'x', allow: { call: 'yes' } }] }] }] }, 'realms[0].roles[0].permissions[0].allow.call: must be true or false'],
    [{ realms: [{ name: 'a', roles: [{ name: 'r', permissions: [{ uri: 'x', disclose: { caller: 'maybe' } }] }] }] }, 'realms[0].roles[0].permissions[0].disclose.caller: must be one of allow, force, deny'],
    [{ realms: [{ name: 'a', roles: [{ name: 'r' }, { name: 'r' }] }] }, 'realms[0].roles[1].name: duplicate role "r"'],
    [{ realms: [{ name: 'a', auth: {} }] }, 'realms[0].auth: must enable at least one authentication method'],
    [{ realms: [{ name: 'a', auth: { kerberos: {} } }] }, 'realms[0].auth.kerberos: unknown field'],
    [{ realms: [{ name: 'a', auth: { ticket: { type: 'static', principals: { joe: { ticket: 'x' } } } } }] }, 'realms[0].auth.ticket.principals.joe.authrole: must be a non-empty string'],
    [{ realms: [{ name: 'a', auth: { ticket: { type: 'magic' } } }] }, 'realms[0].auth.ticket.type: must be one of static, dynamic, procedure'],
    [{ realms: [{ name: 'a', auth: { ticket: { type: 'dynamic', authenticator: 'f' } } }] }, 'realms[0].auth.ticket.authenticator: must be a function'],
    [{ realms: [{ name: 'a', auth: { ticket: { type: 'procedure', procedure: 'x y' } } }] }, 'realms[0].auth.ticket.procedure: must be a valid URI'],
    [{ realms: [{ name: 'a', auth: { ticket: { type: 'procedure', procedure: 'a.b', realm: 'zz' } } }] }, 'realms[0].auth.ticket.realm: no realm "zz" is configured'],
    [{ realms: [{ name: 'a', auth: { wampcra: { type: 'static', principals: { p: { secret: 's', authrole: 'r', iterations: 10 } } } } }] }, 'realms[0].auth.wampcra.principals.p.salt: is required when iterations or keylen is given'],
    [{ realms: [{ name: 'a', auth: { cryptosign: { type: 'static', principals: { p: { authorizedKeys: ['zz'], authrole: 'r' } } } } }] }, 'realms[0].auth.cryptosign.principals.p.authorizedKeys[0]: must be an Ed25519 public key as 64 hex characters'],
    [{ realms: [{ name: 'a', auth: { 'wamp-scram': { type: 'static', principals: { p: { authrole: 'r', kdf: 'md5' } } } } }] }, 'realms[0].auth.wamp-scram.principals.p: invalid SCRAM credential: kdf must be'],
    [{ realms: [{ name: 'a', limits: { maxMessageSize: 10 } }] }, 'realms[0].limits.maxMessageSize: unknown field'],
    [{ realms: [{ name: 'a' }], limits: { maxDepth: 0 } }, 'limits.maxDepth: must be a positive integer'],
    [{ realms: [{ name: 'a' }], requestIds: 'random' }, 'requestIds: must be one of strict, lenient'],
    [{ realms: [{ name: 'a' }], timeouts: { hello: -1 } }, 'timeouts.hello: must be a positive integer'],
  ])('names the bad field: %j', (config, message) => {
    expect(fault(config)).toContain(message);
  });

  it('the router refuses challenge methods without a crypto provider, and a missing randomId', () => {
    const cfg = { realms: [{ name: 'a', auth: { wampcra: { type: 'static', principals: {} } } }] };
    expect(() => Router.fromConfig(cfg, opts)).toThrow(/realms\[0\]\.auth: wampcra, cryptosign, wamp-scram and scram need options.crypto/);
    expect(() => new Router({ realms: [] }, {} as never)).toThrow(/options.randomId/);
    expect(() => Router.fromConfig({ realms: [{ name: 'a', roles: 'all' }] }, opts)).toThrow('realms[0].roles: must be a list');
  });
});

describe('router configuration: every fault at once', () => {
  it('checks every field and reports all faults, each naming its field, in document order', () => {
    let err: RouterConfigError | undefined;
    try {
      validateRouterConfig({
        realms: [
          { name: 'a', roles: [{ name: 'r', permissions: [{ uri: 'x', match: 'fuzzy' }, { uri: 'y', allow: { call: 'yes' } }] }] },
          { name: 'b', auth: { ticket: { type: 'static', principals: { joe: { ticket: 't' }, ann: { ticket: '', authrole: 'r' } } } } },
          { name: 'a', extra: 1 },
        ],
        limits: { maxDepth: 0 },
        requestIds: 'random',
      });
    } catch (e) {
      err = e as RouterConfigError;
    }
    expect(err).toBeInstanceOf(RouterConfigError);
    expect(err!.errors.map((e) => e.path)).toEqual([
      'realms[0].roles[0].permissions[0].match',
      'realms[0].roles[0].permissions[1].allow.call',
      'realms[1].auth.ticket.principals.joe.authrole',
      'realms[1].auth.ticket.principals.ann.ticket',
      'realms[2].extra',
      'realms[2].name',
      'limits.maxDepth',
      'requestIds',
    ]);
    // The error itself is the first fault; its message has one line per fault.
    expect(err!.path).toBe('realms[0].roles[0].permissions[0].match');
    expect(err!.message.split('\n')).toHaveLength(8);
    expect(err!.message.split('\n')[6]).toBe('limits.maxDepth: must be a positive integer');
  });

  it('a single fault is a plain RouterConfigError whose errors list holds itself', () => {
    try {
      validateRouterConfig({ realms: [{ name: 'a' }], uriRule: 'sloppy' });
      throw new Error('expected a fault');
    } catch (e) {
      const err = e as RouterConfigError;
      expect(err.message).toBe('uriRule: must be one of loose, strict');
      expect(err.errors).toEqual([err]);
      expect(err.problem).toBe('must be one of loose, strict');
    }
  });
});
