import { describe, expect, it } from 'vitest';
import { msgpackSerializer, type Frame } from '@wamp/core';
import { memoryTransportPair, type TransportCloseInfo } from '@wamp/client';
import { settle } from './harness.js';

describe('memoryTransportPair', () => {
  it('delivers frames asynchronously, in order, as copies', async () => {
    const [a, b] = memoryTransportPair(msgpackSerializer);
    expect(a.serializer).toBe(msgpackSerializer);
    const got: Frame[] = [];
    b.onFrame = (f) => got.push(f);
    const bytes = new Uint8Array([1, 2, 3]);
    a.send('one');
    a.send(bytes);
    bytes[0] = 9;
    expect(got).toEqual([]);
    await settle();
    expect(got).toEqual(['one', new Uint8Array([1, 2, 3])]);
  });

  it('closes both ends exactly once, after the frames in flight; send after close is a no-op', async () => {
    const [a, b] = memoryTransportPair();
    const closes: [string, TransportCloseInfo][] = [];
    const got: Frame[] = [];
    a.onClose = (i) => closes.push(['a', i]);
    b.onClose = (i) => closes.push(['b', i]);
    b.onFrame = (f) => got.push(f);
    a.send('last');
    a.close(1000, 'bye');
    a.close();
    b.close();
    a.send('after');
    b.send('after');
    expect(a.isClosed && b.isClosed).toBe(true);
    await settle();
    expect(got).toEqual(['last']);
    expect(closes).toEqual([
      ['a', { wasClean: true, code: 1000, reason: 'bye' }],
      ['b', { wasClean: true, code: 1000, reason: 'bye' }],
    ]);
  });

  it('drop() loses frames in flight and closes uncleanly', async () => {
    const [a, b] = memoryTransportPair();
    const got: Frame[] = [];
    const closes: TransportCloseInfo[] = [];
    b.onFrame = (f) => got.push(f);
    b.onClose = (i) => closes.push(i);
    a.onClose = (i) => closes.push(i);
    a.send('lost');
    b.drop();
    await settle();
    expect(got).toEqual([]);
    expect(closes).toEqual([
      { wasClean: false, code: 1006 },
      { wasClean: false, code: 1006 },
    ]);
  });

  it('keepalive() is answered, except across a blackhole, and fails when the transport closes', async () => {
    const [a, b] = memoryTransportPair();
    await expect(a.keepalive()).resolves.toBeUndefined();
    b.blackhole = true;
    const ping = a.keepalive();
    let settled = false;
    ping.then(
      () => (settled = true),
      () => (settled = true),
    );
    await settle();
    expect(settled).toBe(false);
    a.close();
    await expect(ping).rejects.toThrow(/transport closed/);
    await expect(a.keepalive()).rejects.toThrow(/transport closed/);
  });

  it('a blackholed end loses what it sends', async () => {
    const [a, b] = memoryTransportPair();
    const got: Frame[] = [];
    b.onFrame = (f) => got.push(f);
    a.blackhole = true;
    a.send('x');
    await settle();
    expect(got).toEqual([]);
  });

  it('provides the channel binding it was given', () => {
    const id = new Uint8Array(32).fill(7);
    const [a] = memoryTransportPair(undefined, { channelBinding: { 'tls-unique': id } });
    expect(a.channelBinding('tls-unique')).toBe(id);
    expect(a.channelBinding('tls-exporter')).toBeUndefined();
  });
});
