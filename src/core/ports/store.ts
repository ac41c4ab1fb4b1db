import type {
  Approval,
  Fence,
  ApprovalStatus,
  Backup,
  ConfigFile,
  JournalEntry,
  Lease,
  NewEvent,
  Release,
  ReleaseStatus,
  Rollback,
  RollbackDetail,
  RollbackStatus,
  Step,
  RewindEvent,
} from '../model.js';

import type {
  EventQuery,
  NewRelease,
  NewRollback,
  NewToken,
  OutboxItem,
  RollbackQuery,
  SessionRecord,
  SignalSample,
  TokenRecord,
} from './store-records.js';

export type * from './store-records.js';

/**
 * The Store port (DESIGN.md). Async so PostgreSQL can implement it; the SQLite
 * adapter answers synchronously inside the promises. The store itself refuses a
 * second active rollback per (service, environment): `createRollback` throws a
 * CONFLICT UserError (HTTP 409).
 */
export interface Store {
  readonly kind: string;

  // releases
  createRelease(input: NewRelease, at: number): Promise<Release>;
  getRelease(service: string, environment: string, revision: number): Promise<Release | null>;
  listReleases(service: string, environment: string, limit?: number): Promise<Release[]>;
  /** every release of every service in a status, for resuming on start */
  releasesWithStatus(statuses: ReleaseStatus[]): Promise<Release[]>;
  setReleaseStatus(id: string, status: ReleaseStatus, at: number): Promise<Release>;
  updateRelease(
    id: string,
    patch: Partial<Pick<Release, 'schemaVersion' | 'artifact' | 'promotedAt'>>,
    at: number,
  ): Promise<Release>;

  // configuration snapshots: the config files of a release as deployed, verbatim
  saveConfigFiles(releaseId: string, files: ConfigFile[], at: number): Promise<void>;
  /** empty when nothing was snapshotted */
  configFiles(releaseId: string): Promise<ConfigFile[]>;

  // rollbacks, steps, journal
  createRollback(input: NewRollback, at: number): Promise<RollbackDetail>;
  getRollback(id: string): Promise<RollbackDetail | null>;
  listRollbacks(query?: RollbackQuery): Promise<Rollback[]>;
  setRollbackStatus(id: string, status: RollbackStatus, at: number, error?: string | null): Promise<Rollback>;
  /** marks the step running and opens a new journal attempt; returns the attempt number */
  beginStep(rollbackId: string, index: number, at: number): Promise<number>;
  finishStep(
    rollbackId: string,
    index: number,
    attempt: number,
    result: { status: 'done' | 'failed' | 'skipped'; output: string | null; error: string | null },
    at: number,
  ): Promise<Step>;
  /** closes an attempt left `running` by a crash or shutdown as `interrupted`, with why */
  interruptAttempt(rollbackId: string, index: number, attempt: number, at: number, reason?: string): Promise<void>;
  /** journals the process group an attempt started and who it is (the latest one wins) */
  recordAttemptProcess(
    rollbackId: string,
    index: number,
    attempt: number,
    processGroup: number,
    owner?: string | null,
  ): Promise<void>;
  journal(rollbackId: string): Promise<JournalEntry[]>;

  // events (append-only)
  appendEvent(event: NewEvent, at: number): Promise<RewindEvent>;
  listEvents(query?: EventQuery): Promise<RewindEvent[]>;
  getEvent(id: number): Promise<RewindEvent | null>;

  // approvals
  createApproval(
    input: Omit<Approval, 'id' | 'status' | 'decidedBy' | 'decidedAt' | 'decisionReason' | 'createdAt'>,
    at: number,
  ): Promise<Approval>;
  getApproval(id: string): Promise<Approval | null>;
  listApprovals(query?: { status?: ApprovalStatus[]; service?: string; environment?: string }): Promise<Approval[]>;
  /** only a pending approval can be decided; returns null when it no longer was */
  decideApproval(
    id: string,
    decision: { status: Exclude<ApprovalStatus, 'pending'>; by: string; reason: string | null },
    at: number,
  ): Promise<Approval | null>;

  // backups
  addBackup(backup: Omit<Backup, 'id'> & { id?: string }): Promise<Backup>;
  getBackup(id: string): Promise<Backup | null>;
  listBackups(query?: { database?: string }): Promise<Backup[]>;
  deleteBackup(id: string): Promise<void>;
  /** replaces the catalog manifest of a backup (its verification is recorded there); null when it is gone */
  setBackupManifest(id: string, manifest: Record<string, unknown>): Promise<Backup | null>;

  // signals
  recordSamples(samples: SignalSample[]): Promise<void>;
  readSamples(query: {
    service: string;
    environment: string;
    revision?: number;
    from: number;
    to: number;
  }): Promise<SignalSample[]>;
  pruneSamples(before: number): Promise<number>;

  // outbox
  enqueue(items: { eventId: number; channel: string }[], at: number): Promise<number>;
  dueOutbox(at: number, limit: number): Promise<OutboxItem[]>;
  markOutbox(
    id: number,
    patch: Pick<OutboxItem, 'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'sentAt'>,
  ): Promise<void>;
  outboxBacklog(): Promise<number>;
  /** every delivery of these events, per channel (what was sent about a rollback) */
  outboxFor(eventIds: number[]): Promise<OutboxItem[]>;

  // leases
  /**
   * Takes or renews a lease. A holder keeps its token while it renews in time;
   * a new holder (after expiry, a release, or `canSteal`) gets the next token.
   * Returns the lease held, or null when another holder has it.
   */
  acquireLease(
    name: string,
    holder: string,
    ttlMs: number,
    at: number,
    options?: {
      address?: string | null;
      canSteal?: (lease: Lease) => boolean;
      /**
       * the token of the holder's term: its lease that lapsed with this token still on it
       * (nobody took it meanwhile: every change of hands bumps the token; not released)
       * is renewed under the same token, in one atomic step. Default: a lapsed lease is
       * taken afresh with the next token, like anyone's
       */
      renewLapsed?: number;
    },
  ): Promise<Lease | null>;
  getLease(name: string): Promise<Lease | null>;
  /** ends the holder's lease at once (the token stays, so the next holder's is higher) */
  releaseLease(name: string, holder: string): Promise<void>;
  /**
   * The same store, except that every write first checks the lease under the same
   * lock and is refused with a FENCED UserError when the lease's token is no longer
   * `fence.token` (a newer holder took over).
   */
  fenced(fence: Fence): Store;
  /** the lease a `fenced` view writes under (drivers record it with their traffic writes); absent on the plain store */
  readonly fence?: Fence;
  /**
   * Stores on one host's disk (SQLite) allow one controller per state: an OS file
   * lock the kernel releases however the process ends (SIGKILL too). Returns its
   * release, or null while another process holds it. Absent where several
   * controllers share the store (PostgreSQL): the lease alone decides there.
   */
  holdHostLock?(): (() => void) | null;
  /**
   * Stores several hosts share over the network (PostgreSQL): locks the database
   * keeps for one session and drops the moment that session ends, a crashed
   * leader's included. Absent where `holdHostLock` already proves it (SQLite).
   */
  readonly sessionLocks?: SessionLocks;

  // API tokens (hashed); a name is unique among tokens not revoked
  /** throws a CONFLICT UserError when an active token has this name */
  createToken(input: NewToken, at: number): Promise<TokenRecord>;
  /** the token with this hash, revoked or not (the caller checks revocation and expiry) */
  findTokenByHash(hash: string): Promise<TokenRecord | null>;
  /** every token not revoked, oldest first */
  listTokens(): Promise<TokenRecord[]>;
  /** revokes the active token of that name; false when there was none */
  revokeToken(name: string, at: number): Promise<boolean>;

  createSession(session: SessionRecord): Promise<void>;
  findSession(idHash: string): Promise<SessionRecord | null>;
  touchSession(idHash: string, at: number): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  /** removes the sessions not seen since `before`; returns how many */
  pruneSessions(before: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Every Store method that writes. A fenced store (`Store.fenced`) checks the lease
 * before each of them; a method added to Store that writes belongs here too.
 */
export const STORE_WRITES = [
  'createRelease',
  'setReleaseStatus',
  'updateRelease',
  'createRollback',
  'setRollbackStatus',
  'beginStep',
  'finishStep',
  'interruptAttempt',
  'recordAttemptProcess',
  'appendEvent',
  'createApproval',
  'decideApproval',
  'addBackup',
  'deleteBackup',
  'setBackupManifest',
  'recordSamples',
  'pruneSamples',
  'enqueue',
  'markOutbox',
  'createToken',
  'revokeToken',
  'saveConfigFiles',
  'createSession',
  'touchSession',
  'deleteSession',
  'pruneSessions',
] as const satisfies readonly (keyof Store)[];

/** A lock per lease token, held on a connection of its own (see `Store.sessionLocks`). */
export interface SessionLocks {
  /**
   * Takes the lock of this lease token for as long as this process lives; `lost`
   * is called once if its session ends. Returns its release, or null while
   * someone else holds it.
   */
  hold(name: string, token: number, lost: (error: Error) => void): Promise<(() => Promise<void>) | null>;
  /** true when nobody holds the lock of that token: the session that held it has ended */
  free(name: string, token: number): Promise<boolean>;
}
