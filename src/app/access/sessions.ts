/**
 * Browser sessions, kept in the store so that a restart or a failover to another
 * controller does not sign anyone out. The store holds the SHA-256 of the cookie
 * and of the token the session stands for, never either one; every use checks the
 * token again, so revoking or expiring it ends its sessions. A session idle for
 * 12 hours ends; `lastSeen` is written at most once a minute.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Identity } from '../../core/access.js';
import type { AppContext } from '../context.js';
import { hashToken, identityOfHash, verifyToken } from './tokens.js';

export const SESSION_IDLE_MS = 12 * 3600_000;
const TOUCH_EVERY_MS = 60_000;

export interface OpenedSession {
  /** the cookie's value: only the browser keeps it */
  id: string;
  csrf: string;
  identity: Identity;
}

export interface FoundSession {
  csrf: string;
  identity: Identity;
}

export interface SessionStore {
  /** exchanges a valid token for a new session; null when the token is not valid */
  open(token: string): Promise<OpenedSession | null>;
  /** the session of a cookie, while it and its token are valid */
  find(id: string): Promise<FoundSession | null>;
  close(id: string): Promise<void>;
}

const hashOf = (id: string): string => createHash('sha256').update(id).digest('hex');

export function createSessionStore(ctx: AppContext): SessionStore {
  let lastPrune = 0;
  const prune = async (now: number) => {
    if (now - lastPrune < TOUCH_EVERY_MS) return;
    lastPrune = now;
    await ctx.store.pruneSessions(now - SESSION_IDLE_MS);
  };
  return {
    async open(token) {
      const identity = await verifyToken(ctx, token);
      if (!identity) return null;
      const now = ctx.clock.now();
      await prune(now);
      const id = randomBytes(32).toString('base64url');
      const csrf = randomBytes(24).toString('base64url');
      await ctx.store.createSession({
        idHash: hashOf(id),
        tokenHash: hashToken(token),
        csrf,
        createdAt: now,
        lastSeen: now,
      });
      return { id, csrf, identity };
    },
    async find(id) {
      if (id.length > 128) return null;
      const idHash = hashOf(id);
      const session = await ctx.store.findSession(idHash);
      if (!session) return null;
      const now = ctx.clock.now();
      if (now - session.lastSeen > SESSION_IDLE_MS) {
        await ctx.store.deleteSession(idHash);
        return null;
      }
      const identity = await identityOfHash(ctx, session.tokenHash);
      if (!identity) {
        await ctx.store.deleteSession(idHash);
        return null;
      }
      if (now - session.lastSeen >= TOUCH_EVERY_MS) await ctx.store.touchSession(idHash, now);
      return { csrf: session.csrf, identity };
    },
    close: (id) => ctx.store.deleteSession(hashOf(id)),
  };
}
