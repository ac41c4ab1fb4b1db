/**
 * Who sent a request, as the service's `users:` key says, turned at once into a
 * 52-bit keyed hash: HMAC-SHA256 with the project's secret key, first 13 hex
 * digits (computed by keyed-hash.ts). The clear id is kept nowhere beyond the
 * request's own headers; counting, the control channel,
 * the store and reports only ever see the hash. HAProxy computes the same hash
 * in its config (haproxy-users.ts), so both routers count a user alike.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createKeyedHash } from './keyed-hash.js';

/** How users are told apart; exactly one field is set. */
export interface UserKey {
  header?: string;
  cookie?: string;
  /** a claim of the bearer JWT, decoded but not verified */
  jwtClaim?: string;
  clientAddress?: true;
}

/**
 * What the front door needs to count users: the key, the features and the
 * file holding the project's secret (hex). A path, not the secret itself: the
 * switch's own process gets its options on its command line, which other
 * users of the host can read.
 */
export interface UserCounting {
  /** undefined: requests are counted per feature, users are not */
  key?: UserKey;
  /** feature name → path pattern, in order */
  features: Record<string, string>;
  secretFile: string;
}

/** The project's secret for hashing user ids: made once (32 random bytes, mode 0600), then read. */
export function userSecret(file: string, create = false): string {
  if (create && !existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
    }
  }
  const hex = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{32,}$/i.test(hex)) throw new Error(`${file}: expected the user-hashing secret as hex digits`);
  return hex;
}

export type UserHasher = (id: string) => number;

/**
 * No cache of id → hash: with many distinct users a cache's entries (clear ids)
 * outlive the young generation and cost the switch more in garbage collection
 * (mark-compacts under the users bench) than hashing each request does.
 */
export function createUserHasher(secretHex: string): UserHasher {
  return createKeyedHash(Buffer.from(secretHex, 'hex'));
}

/** The value of header `lower` (lower-case) in Node's raw header list, the first one. */
function rawHeader(raw: readonly string[], lower: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === lower.length && name.toLowerCase() === lower) return raw[i + 1];
  }
  return undefined;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim() || undefined;
  }
  return undefined;
}

/** The claim of a `Bearer` JWT's payload; the signature is not checked (the upstream does). */
export function jwtClaimOf(authorization: string | undefined, claim: string): string | undefined {
  if (authorization === undefined || !/^bearer /i.test(authorization)) return undefined;
  const payload = authorization.slice(7).trim().split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const value = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>)[claim];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The request's user id in clear, or undefined when it carries none. The client
 * address comes from X-Forwarded-For (its last entry: what the trusted proxy
 * saw) only when the sender is trusted.
 */
export function userIdOf(
  key: UserKey,
  raw: readonly string[],
  address: string | undefined,
  trusted: boolean,
): string | undefined {
  if (key.header !== undefined) return rawHeader(raw, key.header.toLowerCase()) || undefined;
  if (key.cookie !== undefined) return cookieValue(rawHeader(raw, 'cookie'), key.cookie);
  if (key.jwtClaim !== undefined) return jwtClaimOf(rawHeader(raw, 'authorization'), key.jwtClaim);
  if (trusted) {
    const forwarded = rawHeader(raw, 'x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  return address;
}
