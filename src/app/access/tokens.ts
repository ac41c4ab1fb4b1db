import { createHash, randomBytes } from 'node:crypto';
import type { Identity, Role } from '../../core/access.js';
import { isRole, ROLES } from '../../core/access.js';
import { isDuration, parseDuration } from '../../core/duration.js';
import { ExitCode, notFound, UserError } from '../../core/errors.js';
import type { TokenRecord } from '../../core/ports/store.js';
import type { AppContext } from '../context.js';

/** Tokens start with this, so a leaked one is recognisable in a scan. */
export const TOKEN_PREFIX = 'rwd_';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function newTokenSecret(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export interface CreateTokenRequest {
  name: string;
  role: Role;
  /** limit to these environments; omitted or empty: all */
  environments?: string[];
  /** a duration like `90d`; omitted: never expires */
  expires?: string;
  /** who creates it (recorded) */
  createdBy: string;
}

/** A token as shown to users: never the hash, never the token after creation. */
export interface TokenView {
  name: string;
  role: Role;
  environments: string[] | null;
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
}

export const tokenView = (t: TokenRecord): TokenView => ({
  name: t.name,
  role: t.role,
  environments: t.environments,
  createdBy: t.createdBy,
  createdAt: t.createdAt,
  expiresAt: t.expiresAt,
});

const usage = (message: string) =>
  new UserError('BAD_TOKEN_REQUEST', message, { status: 400, exitCode: ExitCode.usage });

/** Creates a token and returns it once; only its hash is stored. */
export async function createToken(
  ctx: AppContext,
  request: CreateTokenRequest,
  secret = newTokenSecret(),
): Promise<TokenView & { token: string }> {
  if (!NAME.test(request.name)) usageFail(`token name "${request.name}": use letters, digits, . _ @ - (1–64)`);
  if (!isRole(request.role)) usageFail(`role "${String(request.role)}": expected one of ${ROLES.join(', ')}`);
  const declared = Object.keys(ctx.loaded.config.environments);
  const environments = request.environments?.length ? [...new Set(request.environments)] : null;
  for (const env of environments ?? []) {
    if (!declared.includes(env)) usageFail(`unknown environment "${env}" (declared: ${declared.join(', ')})`);
  }
  if (request.expires !== undefined && !isDuration(request.expires)) {
    usageFail(`--expires "${request.expires}": expected a duration like 90d or 12h`);
  }
  const now = ctx.clock.now();
  const record = await ctx.store.createToken(
    {
      name: request.name,
      role: request.role,
      environments,
      hash: hashToken(secret),
      createdBy: request.createdBy,
      expiresAt: request.expires ? now + parseDuration(request.expires) : null,
    },
    now,
  );
  ctx.redact.add(secret);
  await ctx.emit({
    type: 'token.created',
    actor: request.createdBy,
    message: `token ${record.name} (${record.role}${environments ? ` in ${environments.join(', ')}` : ''}) created by ${request.createdBy}`,
    data: { name: record.name, role: record.role, environments },
  });
  return { ...tokenView(record), token: secret };
}

function usageFail(message: string): never {
  throw usage(message);
}

export async function listTokens(ctx: AppContext): Promise<TokenView[]> {
  return (await ctx.store.listTokens()).map(tokenView);
}

export async function revokeToken(ctx: AppContext, name: string, by: string): Promise<{ name: string; revoked: true }> {
  if (!(await ctx.store.revokeToken(name, ctx.clock.now()))) {
    throw notFound(`token "${name}"`, 'list them with: rewind token list');
  }
  await ctx.emit({ type: 'token.revoked', actor: by, message: `token ${name} revoked by ${by}`, data: { name } });
  return { name, revoked: true };
}

/**
 * The identity a token stands for, or null when it is unknown, revoked or
 * expired. The one check behind the API, the in-process CLI and browser sessions.
 */
export async function verifyToken(ctx: AppContext, secret: string | undefined | null): Promise<Identity | null> {
  if (!secret || secret.length > 512) return null;
  const identity = await identityOfHash(ctx, hashToken(secret));
  if (identity) ctx.redact.add(secret);
  return identity;
}

/** The identity of a token known only by its hash (a stored browser session), with the same checks. */
export async function identityOfHash(ctx: AppContext, hash: string): Promise<Identity | null> {
  const record = await ctx.store.findTokenByHash(hash);
  if (!record || record.revokedAt !== null) return null;
  if (record.expiresAt !== null && record.expiresAt <= ctx.clock.now()) return null;
  return { name: record.name, role: record.role, environments: record.environments };
}
