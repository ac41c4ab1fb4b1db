import type { Command } from 'commander';
import { closeContext, composeContext } from '../../app/compose.js';
import type { TokenView } from '../../app/access/tokens.js';
import { createToken, listTokens, revokeToken } from '../../app/access/tokens.js';
import { isRole, ROLES } from '../../core/access.js';
import { ExitCode, UserError } from '../../core/errors.js';
import { loadConfig } from '../../config/load.js';
import { action } from '../action.js';
import { controllerUrl, inProcessActor } from '../connect.js';
import { resolveToken } from '../credentials.js';
import { createHttpCall } from '../http-call.js';
import { controllerReachable } from '../http-client.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import { printJson, printLines, say, table, time } from '../output.js';

interface TokenApi {
  create(request: {
    name: string;
    role: string;
    environments?: string[];
    expires?: string;
  }): Promise<TokenView & { token: string }>;
  list(): Promise<TokenView[]>;
  revoke(name: string): Promise<{ name: string; revoked: true }>;
}

/** The controller's token routes when one answers (admin token needed), else the store in this process. */
async function withTokens<T>(options: GlobalOptions, fn: (api: TokenApi) => Promise<T>): Promise<T> {
  const loaded = loadConfig(options.config);
  const url = controllerUrl(options, loaded);
  if (await controllerReachable(url)) {
    const call = createHttpCall(url, resolveToken(options, loaded));
    return fn({
      create: (request) => call('POST', '/v1/tokens', request),
      list: () => call('GET', '/v1/tokens'),
      revoke: (name) => call('DELETE', `/v1/tokens/${encodeURIComponent(name)}`),
    });
  }
  const ctx = composeContext(loaded, { owner: false });
  try {
    const actor = await inProcessActor(ctx, options, loaded);
    return await fn({
      create: (request) =>
        createToken(ctx, {
          ...request,
          role: isRole(request.role) ? request.role : (request.role as never),
          createdBy: actor.name,
        }),
      list: () => listTokens(ctx),
      revoke: (name) => revokeToken(ctx, name, actor.name),
    });
  } finally {
    await closeContext(ctx);
  }
}

interface CreateOptions extends GlobalOptions {
  role?: string;
  env?: string;
  envs?: string[];
  expires?: string;
}

export async function tokenCreate(options: CreateOptions, name: string): Promise<number> {
  if (!options.role || !isRole(options.role)) {
    throw new UserError('BAD_USAGE', `--role expects one of ${ROLES.join(', ')}`, { exitCode: ExitCode.usage });
  }
  // --env may be given as a list: --env staging,qa
  const environments = [...(options.envs ?? []), ...(options.env ? [options.env] : [])]
    .flatMap((e) => e.split(','))
    .map((e) => e.trim())
    .filter(Boolean);
  const created = await withTokens(options, (api) =>
    api.create({
      name,
      role: options.role as string,
      ...(environments.length ? { environments } : {}),
      ...(options.expires ? { expires: options.expires } : {}),
    }),
  );
  if (options.json) {
    printJson({ name: created.name, role: created.role, environments: created.environments, token: created.token });
  } else {
    say(
      `token ${created.name} (${created.role}${created.environments ? ` in ${created.environments.join(', ')}` : ''}) — shown once, keep it safe:`,
    );
    process.stdout.write(`${created.token}\n`);
  }
  return ExitCode.ok;
}

export async function tokenList(options: GlobalOptions): Promise<number> {
  const tokens = await withTokens(options, (api) => api.list());
  if (options.json) printJson(tokens);
  else
    printLines(
      table(
        tokens.map((t) => [
          t.name,
          t.role,
          t.environments?.join(',') ?? 'all',
          time(t.createdAt),
          t.createdBy,
          t.expiresAt ? time(t.expiresAt) : 'never',
        ]),
        ['NAME', 'ROLE', 'ENVIRONMENTS', 'CREATED', 'BY', 'EXPIRES'],
      ),
    );
  return ExitCode.ok;
}

export async function tokenRevoke(options: GlobalOptions, name: string): Promise<number> {
  const result = await withTokens(options, (api) => api.revoke(name));
  if (options.json) printJson(result);
  else say(`token ${result.name} revoked`);
  return ExitCode.ok;
}

export function register(program: Command): void {
  const token = program.command('token').description('API tokens: create, list, revoke (admin)');
  withGlobalOptions(token.command('create <name>').description('create a token; it is printed once'))
    .requiredOption('--role <role>', `${ROLES.join(' | ')}`)
    .option('--envs <environment...>', 'limit it to these environments (or --env E)')
    .option('--expires <duration>', 'e.g. 90d; default: never')
    .action(action(tokenCreate));
  withGlobalOptions(token.command('list').description('tokens not revoked (never the tokens themselves)')).action(
    action(tokenList),
  );
  withGlobalOptions(token.command('revoke <name>').description('revoke a token at once')).action(action(tokenRevoke));
}
