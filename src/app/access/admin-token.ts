import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LoadedConfig } from '../../config/load.js';
import { isUserError } from '../../core/errors.js';
import type { AppContext } from '../context.js';
import { createToken, hashToken } from './tokens.js';

/** The name of the project's first admin token, made by the first `serve` on an empty store. */
export const ADMIN_TOKEN_NAME = 'local-admin';

export const adminTokenPath = (stateDir: string): string => join(stateDir, 'admin.token');

/** Where the CLI and `serve` find this host's admin token: `controller.adminTokenFile`, else `<stateDir>/admin.token`. */
export const adminTokenFileOf = (loaded: LoadedConfig): string =>
  loaded.config.controller.adminTokenFile
    ? resolve(loaded.baseDir, loaded.config.controller.adminTokenFile)
    : adminTokenPath(loaded.stateDir);

/** What `serve` did about the admin token: a line for its log when there is something to do. */
export interface AdminTokenOutcome {
  path: string;
  /** made now (the store had no admin) */
  created: boolean;
  /** what the operator should do on this host, when it has no usable token */
  advice: string | null;
}

const advise = (ctx: AppContext, path: string, why: string) =>
  `${why}; this host has no admin token at ${path}. Create one on a machine that has one: ` +
  `rewind token create admin-$(hostname) --role admin, and put it in ${path} (mode 0600) or set ` +
  `controller.adminTokenFile in ${ctx.loaded.file}; or pass --token / REWIND_TOKEN`;

/**
 * The project's bootstrap admin token, made once per store: the first `serve` on a
 * store with no admin writes it to `<stateDir>/admin.token` (0600) so the quick
 * start needs no set-up. A controller that starts later — on another host of the
 * same PostgreSQL store, or with an empty state dir — never revokes or replaces
 * it: it says how this host gets a token instead. A file from an earlier start
 * is registered again only when the store has no admin at all (a state.db made
 * anew); a revoked one stays revoked.
 */
export async function ensureAdminToken(ctx: AppContext): Promise<AdminTokenOutcome> {
  const path = adminTokenFileOf(ctx.loaded);
  const provisioned = Boolean(ctx.loaded.config.controller.adminTokenFile);
  const secret = existsSync(path) ? readFileSync(path, 'utf8').trim() : '';
  if (secret && !provisioned) chmodSync(path, 0o600); // tighten a file someone loosened: it is as good as a password
  if (secret && (await ctx.store.findTokenByHash(hashToken(secret)))) return { path, created: false, advice: null };
  const now = ctx.clock.now();
  const admins = (await ctx.store.listTokens()).filter((t) => t.role === 'admin' && (t.expiresAt ?? Infinity) > now);
  if (admins.length > 0 || provisioned) {
    const why = secret
      ? `the token in ${path} is not one of this project's`
      : provisioned
        ? `controller.adminTokenFile ${path} is missing or empty`
        : `this project's admin token was made by another controller (${admins.map((t) => t.name).join(', ')})`;
    return { path, created: false, advice: advise(ctx, path, why) };
  }
  try {
    const created = await createToken(
      ctx,
      { name: ADMIN_TOKEN_NAME, role: 'admin', createdBy: 'rewind serve' },
      ...(secret ? [secret] : []),
    );
    if (!secret) {
      mkdirSync(ctx.loaded.stateDir, { recursive: true });
      writeFileSync(path, `${created.token}\n`, { mode: 0o600 });
      chmodSync(path, 0o600);
    }
    return { path, created: !secret, advice: null };
  } catch (error) {
    // another controller of the project made it a moment ago
    if (!isUserError(error) || error.code !== 'CONFLICT') throw error;
    return { path, created: false, advice: advise(ctx, path, 'another controller made the admin token just now') };
  }
}
