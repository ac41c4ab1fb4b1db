import type { FastifyInstance } from 'fastify';
import type { Lease } from '../core/model.js';
import type { AppContext } from '../app/context.js';
import type { Leadership } from '../app/leadership.js';
import { CONTROLLER_LEASE } from '../app/lease.js';
import type { Forward } from './forward.js';

/** What `GET /v1/leader` and `rewind status` show. */
export interface LeaderInfo {
  /** the holder of the lease, or null when nobody has held it yet */
  leader: string | null;
  address: string | null;
  token: number | null;
  /** since the current holder took the lease */
  leaseAgeMs: number | null;
  renewedAgoMs: number | null;
  expired: boolean;
  /** the controller that answered */
  self: { holder: string; leader: boolean };
}

export function leaderInfo(lease: Lease | null, leadership: Leadership | null, now: number): LeaderInfo {
  return {
    leader: lease?.holder ?? null,
    address: lease?.address ?? null,
    token: lease?.token ?? null,
    leaseAgeMs: lease ? now - lease.acquiredAt : null,
    renewedAgoMs: lease ? now - lease.renewedAt : null,
    expired: lease ? lease.expiresAt <= now : true,
    self: { holder: leadership?.holder ?? '', leader: leadership?.leader() ?? false },
  };
}

// a dashboard session's cookie and CSRF token too: the leader finds the session in the shared store
const FORWARDED_HEADERS = ['authorization', 'content-type', 'accept', 'cookie', 'x-csrf-token', 'origin', 'referer'];

/**
 * `GET /v1/leader`, and the follower's half of the API: reads are answered from
 * the store here; anything that writes is forwarded to the leader (its address is
 * on the lease), so the caller need not know which controller leads.
 */
export function leaderRoutes(
  ctx: AppContext,
  current: () => Leadership | null,
  self: () => string,
  firstRound: () => Promise<void>,
  forward: Forward,
) {
  return (app: FastifyInstance): void => {
    app.get('/v1/leader', async () =>
      leaderInfo(await ctx.store.getLease(CONTROLLER_LEASE), current(), ctx.clock.now()),
    );
    app.addHook('preHandler', async (request, reply) => {
      if (request.method === 'GET' || request.method === 'HEAD' || !request.url.startsWith('/v1/')) return;
      // signing in and out writes only the shared store: any controller answers it
      if (request.url === '/v1/session') return;
      // a request that arrives during the first election round waits for its outcome
      await firstRound();
      const leadership = current();
      if (leadership?.leader()) return;
      const lease = await ctx.store.getLease(CONTROLLER_LEASE).catch(() => null);
      const target = lease && lease.expiresAt > ctx.clock.now() ? lease.address : null;
      if (!target || target === self()) {
        await reply
          .status(503)
          .header('retry-after', '1')
          .send({
            error: { code: 'NO_LEADER', message: 'no controller leads right now (an election is under way); retry' },
          });
        return reply;
      }
      // the origin check of a forwarded dashboard change compares with the host the browser asked
      const headers: Record<string, string> = {
        'x-rewind-forwarded-by': leadership?.holder ?? '',
        'x-forwarded-host': request.headers.host ?? '',
      };
      for (const name of FORWARDED_HEADERS) {
        const value = request.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const answer = await forward(target, {
        method: request.method,
        url: request.url,
        headers,
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      });
      if (!answer) {
        await reply
          .status(503)
          .header('retry-after', '1')
          .send({
            error: { code: 'NO_LEADER', message: `the leader at ${target} did not answer; retry` },
          });
        return reply;
      }
      await reply.status(answer.status).header('content-type', answer.contentType).send(answer.body);
      return reply;
    });
  };
}
