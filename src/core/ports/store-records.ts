/** The records the Store port reads and writes, apart from the domain model's own. */
import type { Role } from '../access.js';
import type { ReleaseStatus, Rollback, RollbackStatus, StepSpec } from '../model.js';

export interface NewRelease {
  service: string;
  environment: string;
  /**
   * the platform's own revision (a ReplicaSet's, a Helm release's) so both agree; used
   * when above every existing revision of the service, else the next one is taken
   */
  revision?: number;
  version: string;
  artifact?: string | null;
  configHash?: string | null;
  schemaVersion?: string | null;
  deployedBy: string;
  status?: ReleaseStatus;
}

export interface NewRollback {
  service: string;
  environment: string;
  kind: Rollback['kind'];
  scope: Rollback['scope'];
  fromRevision: number | null;
  toRevision: number;
  reason: string;
  requestedBy: string;
  steps: StepSpec[];
}

export interface EventQuery {
  service?: string;
  environment?: string;
  rollbackId?: string;
  /** events with id greater than this */
  afterId?: number;
  types?: string[];
  /**
   * only events of these environments (events of no environment left out);
   * an empty list matches nothing
   */
  environments?: string[];
  /** events at or after this epoch-ms time */
  since?: number;
  /** the actor, compared ignoring case */
  actor?: string;
  /** the newest `limit` matches (still returned oldest first); default: the oldest after `afterId` */
  newest?: boolean;
  limit?: number;
}

export interface RollbackQuery {
  service?: string;
  environment?: string;
  /** only rollbacks of these environments; an empty list matches nothing */
  environments?: string[];
  status?: RollbackStatus[];
  limit?: number;
}

/** One signal sample per second per release (policy replay). */
export interface SignalSample {
  service: string;
  environment: string;
  revision: number;
  metric: string;
  at: number;
  value: number;
  samples: number;
}

/** A notification waiting to be delivered. */
export interface OutboxItem {
  id: number;
  eventId: number;
  channel: string;
  status: 'pending' | 'sent' | 'dead';
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  sentAt: number | null;
}

/** An API token as stored: its SHA-256 hash, never the token itself. */
export interface TokenRecord {
  name: string;
  role: Role;
  /** environments it may act on; null: all */
  environments: string[] | null;
  /** hex SHA-256 of the token */
  hash: string;
  createdBy: string;
  createdAt: number;
  /** epoch ms after which it is refused; null: never */
  expiresAt: number | null;
  revokedAt: number | null;
}

export type NewToken = Omit<TokenRecord, 'createdAt' | 'revokedAt'>;

/**
 * A dashboard session as stored: the SHA-256 of its cookie and of the token it
 * stands for (the token itself is never kept), so it survives a restart and a
 * failover, and ends when the token is revoked.
 */
export interface SessionRecord {
  idHash: string;
  tokenHash: string;
  csrf: string;
  createdAt: number;
  lastSeen: number;
}
