import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { ExitCode, UserError } from '../core/errors.js';

/**
 * `controller.tls` read once at start; a file that cannot be read is a config error
 * naming the key. `ca` (default the certificate itself) is what a follower trusts
 * when it forwards a write to the leader.
 */
export function readTls(loaded: LoadedConfig): { cert: Buffer; key: Buffer; ca: Buffer } | null {
  const tls = loaded.config.controller.tls;
  if (!tls) return null;
  const read = (key: 'cert' | 'key' | 'ca'): Buffer => {
    const path = resolve(loaded.baseDir, tls[key] ?? '');
    try {
      return readFileSync(path);
    } catch (error) {
      throw new UserError(
        'CONFIG_INVALID',
        `${loaded.file} controller.tls.${key}: expected a readable PEM file, got "${path}" (${(error as Error).message})`,
        { exitCode: ExitCode.usage },
      );
    }
  };
  const cert = read('cert');
  return { cert, key: read('key'), ca: tls.ca ? read('ca') : cert };
}
