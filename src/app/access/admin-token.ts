import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppContext } from '../context.js';
import { createToken, hashToken } from './tokens.js';

/** The name of the local admin's token that `serve` writes on first start. */
export const ADMIN_TOKEN_NAME = 'local-admin';

export const adminTokenPath = (stateDir: string): string => join(stateDir, 'admin.token');

/**
 * The local admin's token at `<stateDir>/admin.token`, mode 0600, so the quick
 * start needs no set-up and other users of the host cannot read it. Created on
 * first start; a file from an earlier start is registered again if the store
 * has never seen it (a fresh state.db), but a revoked one stays revoked.
 */
export async function ensureAdminToken(ctx: AppContext): Promise<string> {
  const path = adminTokenPath(ctx.loaded.stateDir);
  if (existsSync(path)) {
    const secret = readFileSync(path, 'utf8').trim();
    // tighten a file someone loosened: the token is as good as the admin's password
    chmodSync(path, 0o600);
    if (secret && (await ctx.store.findTokenByHash(hashToken(secret)))) return path;
    if (secret) {
      await ctx.store.revokeToken(ADMIN_TOKEN_NAME, ctx.clock.now());
      await createToken(ctx, { name: ADMIN_TOKEN_NAME, role: 'admin', createdBy: 'rewind serve' }, secret);
      return path;
    }
  }
  mkdirSync(ctx.loaded.stateDir, { recursive: true });
  await ctx.store.revokeToken(ADMIN_TOKEN_NAME, ctx.clock.now());
  const created = await createToken(ctx, { name: ADMIN_TOKEN_NAME, role: 'admin', createdBy: 'rewind serve' });
  // 'wx' after a failed exists check would race a second controller; write then chmod is enough here
  writeFileSync(path, `${created.token}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}
