import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MessageType, cryptosignPublicKey, cryptosignVerify, hello, hexDecode, hexEncode, type RouterKey } from '@wamp/core';
import { PROVIDERS } from './auth-providers.js';
import { FULL_ROLES, RouterNet } from './harness/router-net.js';

const ROUTER_SEED = '6e1fde9cf9e2359a87420b65a87dc0c66136e66945196ba2475990d8a0c3a25b';
const CLIENT_SEED = '4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510';

function routerKey(seedHex: string): RouterKey {
  const key = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seedHex, 'hex')]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return { publicKey: new Uint8Array(spki.subarray(spki.length - 32)), sign: (m) => new Uint8Array(sign(null, m, key)) };
}

describe('cryptosign router authentication (core)', () => {
  const crypto = PROVIDERS[0]!.crypto;

  async function setup(info: Record<string, unknown> = {}) {
    const pub = hexEncode(await cryptosignPublicKey(crypto, hexDecode(CLIENT_SEED)!));
    const net = new RouterNet(
      { realms: [{ name: 'realm1', auth: { cryptosign: { type: 'static', principals: { carol: { authorizedKeys: [pub], authrole: 'user' } } } } }] },
      { crypto, routerKey: routerKey(ROUTER_SEED) },
    );
    const c = net.connect(undefined, info);
    return { net, c, pub };
  }

  it("signs the client's challenge and sends the router's public key in CHALLENGE.Extra", async () => {
    const { c, pub } = await setup();
    const challenge = 'bbae60ea44cdd7b20dc7010a618b0f0803fab25a817520b4b7f057299b524deb';
    c.send(hello('realm1', { roles: FULL_ROLES, authmethods: ['cryptosign'], authid: 'carol', authextra: { pubkey: pub, challenge } }));
    const m = c.one();
    if (m.type !== MessageType.CHALLENGE) throw new Error('expected CHALLENGE');
    const routerPub = await cryptosignPublicKey(crypto, hexDecode(ROUTER_SEED)!);
    expect(m.extra['pubkey']).toBe(hexEncode(routerPub));
    expect(await cryptosignVerify(crypto, routerPub, challenge, m.extra['signature'] as string)).toBe(true);
  });

  it('binds the signature to the TLS channel when the session is channel-bound', async () => {
    const channelId = hexDecode('62e935ae755f3d48f80d4d59f6121358c435722a67e859cc0caa8b539027f2ff')!;
    const { c, pub } = await setup({ channelId, channelBinding: 'tls-unique' });
    const challenge = 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff';
    c.send(
      hello('realm1', { roles: FULL_ROLES, authmethods: ['cryptosign'], authid: 'carol', authextra: { pubkey: pub, challenge, channel_binding: 'tls-unique' } }),
    );
    const m = c.one();
    if (m.type !== MessageType.CHALLENGE) throw new Error('expected CHALLENGE');
    expect(m.extra['channel_binding']).toBe('tls-unique');
    const routerPub = await cryptosignPublicKey(crypto, hexDecode(ROUTER_SEED)!);
    expect(await cryptosignVerify(crypto, routerPub, challenge, m.extra['signature'] as string, channelId)).toBe(true);
    expect(await cryptosignVerify(crypto, routerPub, challenge, m.extra['signature'] as string)).toBe(false);
  });

  it('adds nothing when the client sends no challenge', async () => {
    const { c, pub } = await setup();
    c.send(hello('realm1', { roles: FULL_ROLES, authmethods: ['cryptosign'], authid: 'carol', authextra: { pubkey: pub } }));
    const m = c.one();
    if (m.type !== MessageType.CHALLENGE) throw new Error('expected CHALLENGE');
    expect(m.extra['signature']).toBeUndefined();
    expect(m.extra['pubkey']).toBeUndefined();
  });
});
