import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { adminTokenFileOf, adminTokenPath } from '../app/access/admin-token.js';
import type { LoadedConfig } from '../config/load.js';
import type { GlobalOptions } from './options.js';
import { stateDirOf } from './state-dir.js';

/**
 * The API token the CLI sends: `--token`, then `REWIND_TOKEN`, then this host's
 * admin token: `controller.adminTokenFile`, else the `<stateDir>/admin.token` that
 * the project's first `rewind serve` writes.
 */
export function resolveToken(
  options: Pick<GlobalOptions, 'token' | 'config'>,
  loaded: LoadedConfig | null,
): string | undefined {
  const given = options.token ?? process.env.REWIND_TOKEN;
  if (given?.trim()) return given.trim();
  const stateDir = loaded?.stateDir ?? stateDirOf(options.config);
  if (!stateDir) return undefined;
  const path = loaded ? adminTokenFileOf(loaded) : adminTokenPath(stateDir);
  try {
    return existsSync(path) ? readFileSync(path, 'utf8').trim() || undefined : undefined;
  } catch {
    // unreadable (another user's state): the controller will answer 401 with what to do
    return undefined;
  }
}

/** The name an in-process run records when no token names the caller. */
export function localActorName(): string {
  try {
    return `local:${userInfo().username}`;
  } catch {
    return 'local';
  }
}
