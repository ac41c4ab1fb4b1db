/**
 * The lines of haproxy.cfg that count users and features: HAProxy itself
 * hashes the user id with the project's secret (HMAC-SHA256, first 7 bytes,
 * hex — the built-in switch's hash, keyed-hash.ts) and matches the path to
 * a feature (a string compare where the pattern allows, else `path_reg`), and the
 * request log carries only the hash and the feature's index
 * (`<server> <status> <ms> <hash|-> <feature|->`). No id and no path leave it.
 */
import { patternSource } from '../users/feature-paths.js';
import type { UserKey } from '../users/user-identity.js';

export interface HaproxyUsersInput {
  key?: UserKey;
  features: Record<string, string>;
  /** the secret as hex */
  secretHex: string;
  /** whether a `trusted_proxy` ACL exists (trustForwardedFrom) */
  trusted: boolean;
}

/** The log format of a router that counts users: two more fields. */
export const USERS_LOG_FORMAT = '%s %ST %Ta %Ts%ms %[var(txn.rwu)] %[var(txn.rwf)]';

/** HAProxy's sample fetch for the id, as a string. */
function fetchOf(key: UserKey): string {
  if (key.header !== undefined) return `req.fhdr(${key.header},1)`;
  if (key.cookie !== undefined) return `req.cook(${key.cookie})`;
  if (key.jwtClaim !== undefined) return `http_auth_bearer,jwt_payload_query('$.${key.jwtClaim}')`;
  return 'var(txn.rwa)';
}

const escape = (text: string): string => text.replace(/[\\ #'"]/g, '\\$&');

/**
 * One pattern as ACL criteria (several lines of one ACL name: any matches).
 * Without `*` but a final `/**` it is a string compare, cheaper per request
 * than a regular expression: the path itself or the path under it.
 */
export function featureAcls(pattern: string): string[] {
  const prefix = pattern.endsWith('/**') ? pattern.slice(0, -3) : undefined;
  if (!pattern.includes('*')) return [`path ${escape(pattern)}`];
  if (prefix !== undefined && prefix !== '' && !prefix.includes('*'))
    return [`path ${escape(prefix)}`, `path_beg ${escape(`${prefix}/`)}`];
  return [`path_reg ${patternSource(pattern).replace(/ /g, '\\ ')}`];
}

/** Frontend lines: set `txn.rwu` (the hash) and `txn.rwf` (the feature index). */
export function usersFrontendLines(input: HaproxyUsersInput): string {
  const lines: string[] = [];
  if (input.key !== undefined) {
    if (input.key.clientAddress === true) {
      lines.push('http-request set-var-fmt(txn.rwa) %[src]');
      if (input.trusted)
        lines.push(
          'http-request set-var(txn.rwa) req.hdr(x-forwarded-for,-1) if trusted_proxy { req.hdr(x-forwarded-for) -m found }',
        );
    }
    // HAProxy's `hmac` converter. Two `sha2(256)` over the key blocks cost less CPU, but HAProxy
    // 2.6 gets them wrong when a key block holds a NUL byte (about one secret in five).
    // The HMAC is the costly part (~3 µs): a connection remembers its last id and hash in
    // session variables (HAProxy's memory only) and hashes again only when the id changes.
    // Without an id the fetch yields no sample, `txn.rwi` stays unset and so does `txn.rwu`.
    const secret = Buffer.from(input.secretHex, 'hex').toString('base64');
    lines.push(
      `http-request set-var(txn.rwi) ${fetchOf(input.key)}`,
      'acl rwu_id var(txn.rwi) -m found',
      'acl rwu_same var(txn.rwi),strcmp(sess.rwi) eq 0',
      `http-request set-var(sess.rwu) var(txn.rwi),hmac(sha256,${secret}),bytes(0,7),hex if rwu_id !rwu_same`,
      'http-request set-var(sess.rwi) var(txn.rwi) if rwu_id !rwu_same',
      'http-request set-var(txn.rwu) var(sess.rwu) if rwu_id',
    );
  }
  Object.values(input.features).forEach((pattern, i) => {
    for (const acl of featureAcls(pattern)) lines.push(`acl rwf_${i} ${acl}`);
    lines.push(`http-request set-var(txn.rwf) int(${i}) if rwf_${i} !{ var(txn.rwf) -m found }`);
  });
  return lines.map((line) => `  ${line}\n`).join('');
}
