// Which realms the CLI warns about on start: anonymous sessions with every right.

import { describe, expect, it } from 'vitest';
import { validateRouterConfig, type RealmConfig } from '@wamp/core';
import { anonymousMayDoEverything, openRealms } from '../src/open-realms.js';

const everything = { call: true, register: true, publish: true, subscribe: true };

describe('openRealms', () => {
  it('names the embedded default and every realm without roles that admits anonymous', () => {
    expect(openRealms({ realms: [{ name: 'realm1' }] })).toEqual(['realm1']);
    expect(openRealms({ realms: [{ name: 'a' }, { name: 'b', auth: { ticket: { type: 'static', principals: { joe: { ticket: 't', authrole: 'user' } } } } }] })).toEqual(['a']);
  });

  it.each<[string, RealmConfig, boolean]>([
    ['no roles, default auth', { name: 'r' }, true],
    ['no roles, dynamic anonymous', { name: 'r', auth: { anonymous: { type: 'dynamic', authenticator: () => 'anonymous' } } }, true],
    ['anonymous role granted everything on every URI', { name: 'r', roles: [{ name: 'anonymous', permissions: [{ uri: '', match: 'prefix', allow: everything }] }] }, true],
    ['anonymous role trusted', { name: 'r', roles: [{ name: 'anonymous', trusted: true }] }, true],
    ['anonymous role without publish', { name: 'r', roles: [{ name: 'anonymous', permissions: [{ uri: '', match: 'prefix', allow: { ...everything, publish: false } }] }] }, false],
    ['anonymous role on a prefix only', { name: 'r', roles: [{ name: 'anonymous', permissions: [{ uri: 'com.app', match: 'prefix', allow: everything }] }] }, false],
    ['anonymous not listed among the roles', { name: 'r', roles: [{ name: 'user', trusted: true }] }, false],
    ['no anonymous authentication', { name: 'r', auth: { ticket: { type: 'static', principals: { joe: { ticket: 't', authrole: 'user' } } } } }, false],
  ])('%s: %s', (_what, realm, open) => {
    // Each case is a configuration the router accepts.
    expect(() => validateRouterConfig({ realms: [realm] })).not.toThrow();
    expect(anonymousMayDoEverything(realm)).toBe(open);
  });
});
