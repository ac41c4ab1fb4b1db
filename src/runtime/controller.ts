import type { FastifyInstance } from 'fastify';
import { isUserError } from '../core/errors.js';
import type { LoadedConfig } from '../config/load.js';
import type { Lease } from '../core/model.js';
import { createServer } from '../server/index.js';
import { identityOf } from '../server/auth.js';
import { createSessions } from '../server/dashboard/sessions.js';
import { tokenRoutes } from '../server/token-routes.js';
import { auditRoutes } from '../server/audit-routes.js';
import { createAuditLog } from '../app/access/audit.js';
import { ensureAdminToken } from '../app/access/admin-token.js';
import { createAccess } from '../app/access/authorize.js';
import type { ComposeOptions } from '../app/compose.js';
import { closeContext, composeContext } from '../app/compose.js';
import type { AppContext } from '../app/context.js';
import type { AppOptions, RewindApi } from '../app/index.js';
import { createApi } from '../app/index.js';
import { createForward } from './forward.js';
import { currentView } from './term-view.js';
import { readTls } from './read-tls.js';
import { leaderRoutes } from './leader-routes.js';
import type { Leadership } from '../app/leadership.js';
import { startLeadership } from '../app/leadership.js';
import { CONTROLLER_LEASE, leaseScope } from '../app/lease.js';
import { ensureProjectIdentity } from '../app/project-identity.js';
import { addressProblem, splitListen } from '../app/address-problem.js';

import { runPlanned } from '../app/undo.js';
import { isGroupRecord, runGroupUndo } from '../app/group/undo-group.js';

export interface ControllerOptions extends ComposeOptions {
  /** overrides controller.listen, e.g. 127.0.0.1:0 in tests */
  listen?: string;
  /** how long shutdown waits for running rollbacks before interrupting them; default 30 s */
  drainTimeoutMs?: number;
  /** background services (monitor, housekeeping, notifications) started with the controller */
  services?: ((ctx: AppContext, api: RewindApi) => Promise<(() => Promise<void>) | void>)[];
  analyzer?: AppOptions['analyzer'];
  plugins?: ((app: FastifyInstance, ctx: AppContext) => void)[];
  /** settles when what served before this term is back; resumed rollbacks start after it */
  restored?: (ctx: AppContext) => Promise<void>;
  /** a line for the controller's log (stderr by default) */
  log?: (line: string) => void;
}

export interface Controller {
  url: string;
  ctx: AppContext;
  api: RewindApi;
  leadership: Leadership;
  /** drains and stops; safe to call twice */
  close(): Promise<void>;
}

/** What a leader runs during its term; all of it stops when the term ends. */
interface Term {
  stop: AbortController;
  api: RewindApi;
  inflight: Set<Promise<unknown>>;
  services: (() => Promise<void>)[];
}

const within = (ms: number, work: Promise<unknown>) =>
  Promise.race([work, new Promise((resolve) => setTimeout(resolve, ms).unref())]);

/**
 * `rewind serve`: serves the API at once, as leader or follower. The leader (the
 * lease holder) writes through a store fenced by its token, resumes every
 * rollback left running (re-running the in-flight step) and runs the background
 * services. A follower answers reads and forwards writes to the leader, and takes
 * over when the lease expires. Losing the lease ends the term: its work is aborted.
 */
export async function startController(loaded: LoadedConfig, options: ControllerOptions = {}): Promise<Controller> {
  const ctx = composeContext(loaded, { ...options, owner: true });
  const raw = ctx.store;
  const log = options.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`));
  const follower = createApi(ctx);
  let term: Term | null = null;
  let url = '';
  let server: FastifyInstance | null = null;
  let leadership = null as Leadership | null;
  let elected: () => void = () => undefined;
  // a config problem met while the first term starts (a front door already taken) ends `serve` with its code
  let startFailure: unknown = null;
  let started = false;
  const firstRound = new Promise<void>((resolve) => (elected = resolve));
  // what the routes registered here act on: the latest term's own view (see term-view.ts)
  let latestView: AppContext = ctx;
  const routes = currentView(() => latestView);

  const beginTerm = async (lease: Lease) => {
    const inflight = new Set<Promise<unknown>>();
    const stop = new AbortController();
    const current: Term = { stop, api: follower, inflight, services: [] };
    term = current;
    const live = () => {
      if (stop.signal.aborted) throw new Error('the term ended while it started');
    };
    // the term's own view: every write of its work carries its token, even after it ended
    const fenced = raw.fenced({ name: CONTROLLER_LEASE, token: lease.token, scope: await leaseScope(raw) });
    live();
    const own = ctx.withStore(fenced);
    const track = (work: Promise<unknown>) => {
      inflight.add(work);
      work
        .catch((error: unknown) => log(`work ended: ${error instanceof Error ? error.message : String(error)}`))
        .finally(() => inflight.delete(work));
    };
    const api = createApi(own, {
      track,
      signal: stop.signal,
      ...(options.analyzer ? { analyzer: options.analyzer } : {}),
    });
    for (const service of options.services ?? []) {
      const stopService = await service(own, api);
      if (stopService) current.services.push(stopService);
      live();
    }
    for (const rollback of await own.store.listRollbacks({ status: ['planned', 'running'], limit: 1000 })) {
      live();
      await own.emit({
        type: 'rollback.resumed',
        service: rollback.service,
        environment: rollback.environment,
        rollbackId: rollback.id,
        message: `controller resumed rollback ${rollback.id} (leader token ${lease.token})`,
      });
      // after the live releases are back (in the background: the term itself never waits on an instance);
      // a rollback of several services resumes at the service and step it reached
      const resume = isGroupRecord(rollback.service) ? runGroupUndo : runPlanned;
      track((options.restored?.(own) ?? Promise.resolve()).then(() => resume(own, rollback.id, stop.signal)));
    }
    // writes reach the term's API only now: the controller leads once all of this is in place
    current.api = api;
    latestView = own;
    ctx.store = fenced;
  };
  const endTerm = async (reason: string) => {
    const ending = term;
    term = null;
    if (!ending) return;
    ctx.store = raw;
    ending.stop.abort(new Error(`no longer the leader: ${reason}`));
    for (const stopService of ending.services.reverse()) await stopService().catch(() => undefined);
    await within(5_000, Promise.allSettled([...ending.inflight]));
  };

  // the API delegates to the current term, or to the follower's use cases (writes never reach them: forwarded)
  const api = Object.fromEntries(
    Object.keys(follower).map((name) => [
      name,
      (...args: unknown[]) =>
        ((term?.api ?? follower) as unknown as Record<string, (...a: unknown[]) => unknown>)[name]?.(...args),
    ]),
  ) as unknown as RewindApi;
  try {
    const admin = await ensureAdminToken(ctx);
    if (admin.advice) log(admin.advice);
    const listen = options.listen ?? loaded.config.controller.listen;
    const [host, port] = splitListen(listen);
    const tls = readTls(loaded);
    const access = createAccess(ctx);
    const sessions = createSessions(access, () => Object.keys(loaded.config.environments));
    server = createServer({
      api,
      redact: ctx.redact,
      hosts: { listenHost: host, allowedHosts: loaded.config.controller.allowedHosts },
      ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
      auth: { access, session: sessions.identify, publicMetrics: loaded.config.controller.publicMetrics },
      audit: createAuditLog(ctx),
      project: ensureProjectIdentity(loaded),
      plugins: [
        tokenRoutes(routes, identityOf),
        auditRoutes(routes),
        sessions.routes,
        ...(options.plugins ?? []).map((p) => (app: FastifyInstance) => p(app, routes)),
        leaderRoutes(
          ctx,
          () => leadership,
          () => url,
          () => firstRound,
          createForward(tls?.ca),
        ),
      ],
    });
    await server.listen({ host, port }).catch((error: unknown) => {
      throw addressProblem(error, options.listen ? '--listen' : 'controller.listen', listen, loaded.file);
    });
    const address = server.server.address();
    url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${typeof address === 'object' && address ? address.port : port}`;
    const held = startLeadership(ctx, {
      address: url,
      log,
      onElected: (lease) =>
        beginTerm(lease).catch((error: unknown) => {
          if (!started && isUserError(error)) startFailure = error;
          throw error;
        }),
      onDeposed: endTerm,
    });
    leadership = held;
    // the first election round: a leader has resumed its rollbacks before `serve` says it listens
    await held.ready;
    elected();
    if (startFailure) {
      await endTerm('the term could not start');
      throw startFailure;
    }
    started = true;
    let closing: Promise<void> | null = null;
    const close = () => {
      closing ??= (async () => {
        // the port is released at once; a request still open (a stream being followed) is cut after 2 s
        await within(2_000, server?.close() ?? Promise.resolve());
        server?.server.closeAllConnections();
        if (term) await within(options.drainTimeoutMs ?? 30_000, Promise.allSettled([...term.inflight]));
        await held.stop();
        await closeContext(ctx);
      })();
      return closing;
    };
    return { url, ctx, api, leadership: held, close };
  } catch (error) {
    elected();
    await leadership?.stop().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await closeContext(ctx);
    throw error;
  }
}
