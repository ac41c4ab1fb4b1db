import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ExitCode, UserError } from '../core/errors.js';
import type { LoadedConfig } from '../config/load.js';
import { createServer } from '../server/index.js';
import { identityOf } from '../server/auth.js';
import { createSessions } from '../server/dashboard/sessions.js';
import { tokenRoutes } from '../server/token-routes.js';
import { auditRoutes } from '../server/audit-routes.js';
import { createAuditLog } from './access/audit.js';
import { ensureAdminToken } from './access/admin-token.js';
import { createAccess } from './access/authorize.js';
import type { ComposeOptions } from './compose.js';
import { closeContext, composeContext } from './compose.js';
import type { AppContext } from './context.js';
import type { AppOptions, RewindApi } from './index.js';
import { createApi } from './index.js';
import { holdControllerLease } from './lease.js';
import { ensureProjectIdentity } from './project-identity.js';
import { addressProblem } from './address-problem.js';
import { runPlanned } from './undo.js';

export interface ControllerOptions extends ComposeOptions {
  /** overrides controller.listen, e.g. 127.0.0.1:0 in tests */
  listen?: string;
  /** how long shutdown waits for running rollbacks before interrupting them; default 30 s */
  drainTimeoutMs?: number;
  /** background services (monitor, housekeeping, notifications) started with the controller */
  services?: ((ctx: AppContext, api: RewindApi) => Promise<(() => Promise<void>) | void>)[];
  analyzer?: AppOptions['analyzer'];
  plugins?: ((app: FastifyInstance, ctx: AppContext) => void)[];
}

export interface Controller {
  url: string;
  ctx: AppContext;
  api: RewindApi;
  /** drains and stops; safe to call twice */
  close(): Promise<void>;
}

/**
 * `rewind serve`: the long-lived owner. On start it takes the lease, resumes every
 * rollback left running (re-running the in-flight step), then serves the API.
 */
export async function startController(loaded: LoadedConfig, options: ControllerOptions = {}): Promise<Controller> {
  const ctx = composeContext(loaded, { ...options, owner: true });
  const stop = new AbortController();
  const inflight = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    inflight.add(work);
    work.catch(() => undefined).finally(() => inflight.delete(work));
  };
  let server: FastifyInstance | null = null;
  try {
    ctx.cleanup.push(await holdControllerLease(ctx));
    await ensureAdminToken(ctx);
    const api = createApi(ctx, {
      track,
      signal: stop.signal,
      ...(options.analyzer ? { analyzer: options.analyzer } : {}),
    });
    for (const service of options.services ?? []) {
      const stopService = await service(ctx, api);
      if (stopService) ctx.cleanup.push(stopService);
    }
    for (const rollback of await ctx.store.listRollbacks({ status: ['planned', 'running'], limit: 1000 })) {
      await ctx.emit({
        type: 'rollback.resumed',
        service: rollback.service,
        environment: rollback.environment,
        rollbackId: rollback.id,
        message: `controller resumed rollback ${rollback.id}`,
      });
      track(runPlanned(ctx, rollback.id, stop.signal));
    }
    const listen = options.listen ?? loaded.config.controller.listen;
    const [host, port] = splitListen(listen);
    const tls = readTls(loaded);
    const access = createAccess(ctx);
    const sessions = createSessions(access, () => Object.keys(loaded.config.environments));
    server = createServer({
      api,
      redact: ctx.redact,
      hosts: { listenHost: host, allowedHosts: loaded.config.controller.allowedHosts },
      ...(tls ? { https: tls } : {}),
      auth: { access, session: sessions.identify, publicMetrics: loaded.config.controller.publicMetrics },
      audit: createAuditLog(ctx),
      project: ensureProjectIdentity(loaded),
      plugins: [
        tokenRoutes(ctx, identityOf),
        auditRoutes(ctx),
        sessions.routes,
        ...(options.plugins ?? []).map((p) => (app: FastifyInstance) => p(app, ctx)),
      ],
    });
    await server.listen({ host, port }).catch((error: unknown) => {
      throw addressProblem(error, options.listen ? '--listen' : 'controller.listen', listen, loaded.file);
    });
    const address = server.server.address();
    const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${typeof address === 'object' && address ? address.port : port}`;
    let closing: Promise<void> | null = null;
    const close = () => {
      closing ??= (async () => {
        await server?.close();
        const drained = Promise.allSettled([...inflight]);
        const timeout = new Promise((resolve) => setTimeout(resolve, options.drainTimeoutMs ?? 30_000).unref());
        await Promise.race([drained, timeout]);
        stop.abort(new Error('controller shutting down'));
        await Promise.race([
          Promise.allSettled([...inflight]),
          new Promise((resolve) => setTimeout(resolve, 5_000).unref()),
        ]);
        await closeContext(ctx);
      })();
      return closing;
    };
    return { url, ctx, api, close };
  } catch (error) {
    await server?.close().catch(() => undefined);
    await closeContext(ctx);
    throw error;
  }
}

/** `controller.tls` read once at start; a file that cannot be read is a config error naming the key. */
function readTls(loaded: LoadedConfig): { cert: Buffer; key: Buffer } | null {
  const tls = loaded.config.controller.tls;
  if (!tls) return null;
  const read = (key: 'cert' | 'key'): Buffer => {
    const path = resolve(loaded.baseDir, tls[key]);
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
  return { cert: read('cert'), key: read('key') };
}

export function splitListen(listen: string): [string, number] {
  const at = listen.lastIndexOf(':');
  return [listen.slice(0, at).replace(/^\[|\]$/g, ''), Number(listen.slice(at + 1))];
}
