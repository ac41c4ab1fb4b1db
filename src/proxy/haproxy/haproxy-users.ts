/**
 * The lines of haproxy.cfg that count users and features: HAProxy itself
 * hashes the user id with the project's secret (HMAC-SHA256, first 7 bytes,
 * hex — the built-in switch's hash, user-identity.ts) and matches the path to
 * a feature, and the request log carries only the hash and the feature's index
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

/** Frontend lines: set `txn.rwu` (the hash) and `txn.rwf` (the feature index). */
export function usersFrontendLines(input: HaproxyUsersInput): string {
  const lines: string[] = [];
  if (input.key !== undefined) {
    const secret = Buffer.from(input.secretHex, 'hex').toString('base64');
    if (input.key.clientAddress === true) {
      lines.push('http-request set-var-fmt(txn.rwa) %[src]');
      if (input.trusted)
        lines.push(
          'http-request set-var(txn.rwa) req.hdr(x-forwarded-for,-1) if trusted_proxy { req.hdr(x-forwarded-for) -m found }',
        );
    }
    const fetch = fetchOf(input.key);
    lines.push(`http-request set-var(txn.rwu) ${fetch},hmac(sha256,${secret}),bytes(0,7),hex if { ${fetch} -m found }`);
  }
  Object.values(input.features).forEach((pattern, i) => {
    lines.push(`acl rwf_${i} path_reg ${patternSource(pattern).replace(/ /g, '\\ ')}`);
    lines.push(`http-request set-var(txn.rwf) int(${i}) if rwf_${i} !{ var(txn.rwf) -m found }`);
  });
  return lines.map((line) => `  ${line}\n`).join('');
}
