// The synchronous SHA-256/HMAC behind mock challenges must be the real thing:
// a weak derivation would make mock salts guessable (authid enumeration).
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacSha256Sync, mockBytes, sha256Sync } from '../src/router/mock.js';

describe('sha256Sync / hmacSha256Sync', () => {
  it('agree with node:crypto at every padding boundary', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000]) {
      const data = randomBytes(n);
      expect(Buffer.from(sha256Sync(data)).toString('hex')).toBe(createHash('sha256').update(data).digest('hex'));
      for (const k of [0, 16, 64, 65, 100]) {
        const key = randomBytes(k);
        expect(Buffer.from(hmacSha256Sync(key, data)).toString('hex')).toBe(createHmac('sha256', key).update(data).digest('hex'));
      }
    }
  });

  it('mockBytes is stable per (secret, purpose, authid) and differs otherwise', () => {
    const s = randomBytes(32);
    expect(mockBytes(s, 'p', 'alice', 40)).toEqual(mockBytes(s, 'p', 'alice', 40));
    expect(mockBytes(s, 'p', 'alice', 40)).not.toEqual(mockBytes(s, 'p', 'bob', 40));
    expect(mockBytes(s, 'p', 'alice', 40)).not.toEqual(mockBytes(randomBytes(32), 'p', 'alice', 40));
    expect(mockBytes(s, 'p', 'alice', 40)).not.toEqual(mockBytes(s, 'q', 'alice', 40));
  });
});
