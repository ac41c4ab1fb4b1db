/**
 * Finding Debian's haproxy and checking it is new enough: dynamic servers over
 * the runtime API (`add server`, `del server`) need HAProxy 2.4 or newer.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../core/errors.js';

const CANDIDATES = ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy'];

/** The haproxy binary: `explicit`, then the usual Debian paths, then PATH; undefined when none. */
export function findHaproxy(explicit?: string): string | undefined {
  if (explicit !== undefined) return existsSync(explicit) ? explicit : undefined;
  for (const candidate of CANDIDATES) if (existsSync(candidate)) return candidate;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir !== '' && existsSync(path.join(dir, 'haproxy'))) return path.join(dir, 'haproxy');
  }
  return undefined;
}

export const MISSING_HAPROXY =
  'driver.router haproxy needs the haproxy binary, which is not installed: install the Debian package "haproxy" (apt-get install haproxy, version 2.4 or newer) or use router: builtin';

/** Resolves the binary and checks its version; a UserError says what to install. */
export function requireHaproxy(explicit?: string): string {
  const binary = findHaproxy(explicit);
  if (binary === undefined) throw new UserError('HAPROXY_MISSING', MISSING_HAPROXY, { status: 400, exitCode: 2 });
  const banner = execFileSync(binary, ['-v'], { encoding: 'utf8' });
  const match = /version (\d+)\.(\d+)/.exec(banner);
  const [major, minor] = [Number(match?.[1] ?? 0), Number(match?.[2] ?? 0)];
  if (major < 2 || (major === 2 && minor < 4)) {
    throw new UserError(
      'HAPROXY_TOO_OLD',
      `${binary} is HAProxy ${major}.${minor}; the haproxy router needs 2.4 or newer (dynamic servers)`,
      { status: 400, exitCode: 2 },
    );
  }
  return binary;
}
