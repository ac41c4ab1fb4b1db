/**
 * HAProxy counts a user and a feature as the built-in switch does: the hash its
 * config computes from the id (HMAC-SHA256 with the project's secret) is the
 * switch's, and the feature its ACLs pick (string compares where the pattern
 * allows, else `path_reg`) is the switch's matcher's.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { findHaproxy } from '../../src/proxy/haproxy/index.js';
import { usersFrontendLines } from '../../src/proxy/haproxy/haproxy-users.js';
import { featureMatcher } from '../../src/proxy/users/feature-paths.js';
import { createUserHasher } from '../../src/proxy/users/user-identity.js';
import { freePort, requirePart } from '../harness/free-port.js';

let haproxy: ChildProcess | undefined;
let dir: string | undefined;
afterEach(() => {
  haproxy?.kill();
  haproxy = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const features = { checkout: '/api/cart/**', item: '/api/items/*/price', health: '/health', all: '/**' };

describe('HAProxy user and feature lines', () => {
  it('hash the id and pick the feature as the built-in switch does', async (ctx) => {
    const binary = findHaproxy();
    requirePart(ctx, binary, 'Debian haproxy (/usr/sbin/haproxy)');
    // bytes 0x36 and 0x5c make NUL bytes in HMAC's key blocks (a two-`sha2` HMAC in the config broke on them)
    const secretHex = Buffer.concat([Buffer.from([0x36, 0x5c]), randomBytes(30)]).toString('hex');
    const port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'rewind-haproxy-users-'));
    const config = join(dir, 'haproxy.cfg');
    writeFileSync(
      config,
      `global
  nbthread 1
defaults
  mode http
  timeout client 10s
  timeout connect 2s
  timeout server 10s
frontend front
  bind 127.0.0.1:${port}
${usersFrontendLines({ key: { header: 'X-User-Id' }, features, secretHex, trusted: false })}  http-request return status 200 hdr x-user "%[var(txn.rwu)]" hdr x-feature "%[var(txn.rwf)]"
`,
    );
    haproxy = spawn(binary, ['-db', '-f', config], { stdio: 'ignore' });
    const ask = async (path: string, id?: string): Promise<[string, string]> => {
      for (let attempt = 0; ; attempt += 1) {
        try {
          const answer = await fetch(`http://127.0.0.1:${port}${path}`, { headers: id ? { 'x-user-id': id } : {} });
          return [answer.headers.get('x-user') ?? '', answer.headers.get('x-feature') ?? ''];
        } catch (error) {
          if (attempt > 50) throw error;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    const hash = createUserHasher(secretHex);
    for (const id of ['u1', 'alice@example.com', 'x'.repeat(100)]) {
      const [user] = await ask('/', id);
      expect(user.toLowerCase().slice(0, 13), id).toBe(hash(id).toString(16).padStart(13, '0'));
    }
    expect((await ask('/'))[0]).toBe('');
    // one kept-alive connection, the id changing and missing between requests: each answer is its own id's
    // hash (a connection remembers its last hash; it must never lend it to another id or to none)
    for (const id of ['u1', 'u1', 'alice', 'u1', undefined, 'u1', 'bob', undefined, undefined, 'bob'])
      expect((await ask('/', id))[0].toLowerCase().slice(0, 13), String(id)).toBe(
        id === undefined ? '' : hash(id).toString(16).padStart(13, '0'),
      );
    const featureOf = featureMatcher(features);
    const paths = ['/api/cart', '/api/cart/1?x=1', '/api/cartx', '/api/items/7/price', '/api/items/7/8/price'];
    for (const path of [...paths, '/health', '/healthz', '/', 'nowhere']) {
      const [, feature] = await ask(path.startsWith('/') ? path : `/${path}`, 'u1');
      const want = featureOf(path.startsWith('/') ? path : `/${path}`);
      expect(feature === '' ? 4 : Number(feature), path).toBe(want);
    }
  }, 30_000);
});
