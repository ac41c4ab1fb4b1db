/**
 * The switch's user hash is HMAC-SHA256 with the project's secret, first 52
 * bits — the hash HAProxy computes too — whatever the id's length (one or
 * several SHA-256 blocks), the secret's length (hashed first beyond 64 bytes)
 * or its characters (beyond ASCII: UTF-8, as createHmac reads a string).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createKeyedHash } from '../../src/proxy/users/keyed-hash.js';
import { createUserHasher } from '../../src/proxy/users/user-identity.js';

const reference = (secret: Buffer, id: string): number =>
  parseInt(createHmac('sha256', secret).update(id).digest('hex').slice(0, 13), 16);

describe('keyed user hash', () => {
  it('equals HMAC-SHA256 (first 13 hex digits) for ids of 0 to 200 characters and secrets of 16 to 100 bytes', () => {
    for (const bytes of [16, 32, 64, 65, 100]) {
      const secret = randomBytes(bytes);
      const hash = createKeyedHash(secret);
      for (let length = 0; length <= 200; length += 1) {
        const ascii = Array.from({ length }, (_, i) => String.fromCharCode(33 + ((i * 7 + length) % 94))).join('');
        expect(hash(ascii), `${bytes}-byte secret, ${length} characters`).toBe(reference(secret, ascii));
      }
      for (const id of ['café', 'user-€', '😀', 'a\u00ffb'])
        expect(hash(id), `${bytes}-byte secret, ${id}`).toBe(reference(secret, id));
    }
  });

  it('is keyed: another secret gives another hash, and the switch’s hasher gives the same one', () => {
    const secret = randomBytes(32);
    const other = createKeyedHash(randomBytes(32));
    const hasher = createUserHasher(secret.toString('hex'));
    for (let i = 0; i < 100; i += 1) {
      const id = `user-${i}`;
      expect(other(id)).not.toBe(reference(secret, id));
      expect(hasher(id)).toBe(reference(secret, id));
    }
  });
});
