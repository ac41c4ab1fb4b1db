/**
 * The domain vocabulary of DESIGN.md as types. Everything here is plain data that
 * the store persists and the API returns; field names are part of the `--json`
 * contract, so change them only with docs/reference/cli-usage.md.
 */

export type ReleaseStatus =
  /** created, instances starting, no traffic yet */
  | 'deploying'
  /** receiving traffic and watched during `analysis.duration` */
  | 'analyzing'
  /** the environment's current good release */
  | 'live'
  /** was live; a newer release was promoted (may still be warm) */
  | 'superseded'
  /** superseded and stopped after its rollback window; still a rollback target (cold) */
  | 'retired'
  /** never became ready; never received traffic */
  | 'failed'
  /** traffic was taken away from it by a rollback */
  | 'rolled-back';

export interface Release {
  id: string;
  service: string;
  environment: string;
  /** counts up per (service, environment) like Helm's */
  revision: number;
  version: string;
  status: ReleaseStatus;
  /** where it came from: a git commit, an image, a path */
  artifact: string | null;
  /** sha256 of the service's config when it was deployed */
  configHash: string | null;
  /** the database schema version this release needs */
  schemaVersion: string | null;
  createdAt: number;
  updatedAt: number;
  promotedAt: number | null;
  deployedBy: string;
}

/**
 * `deployedBy` of a release Rewind took over rather than made: the platform's own
 * history read the first time (Kubernetes, Helm), or containers running before
 * Rewind (`rewind adopt`), which a later start finds again by their labels.
 */
export const ADOPTED_BY = 'adopted';

/**
 * One configuration file of a release as it was deployed (`driver.configFiles`),
 * kept verbatim in the store: secrets are masked only when shown.
 */
export interface ConfigFile {
  /** as written in `configFiles`, relative to the service's cwd */
  path: string;
  /** null: the file did not exist */
  content: string | null;
}

export type RollbackKind = 'automatic' | 'manual' | 'emergency' | 'drill';
export type RollbackScope = 'service' | 'environment' | 'database' | 'config' | 'flag' | 'site';
export type RollbackStatus =
  | 'planned'
  | 'running'
  | 'succeeded'
  | 'failed'
  /** a step with failure rule `abort` failed: a human must look */
  | 'escalated'
  /** traffic was restored, then a newer deploy (the fix) ended the post-rollback watch early */
  | 'superseded';

export const ACTIVE_ROLLBACK_STATUSES: readonly RollbackStatus[] = ['planned', 'running'];
export const isTerminalRollback = (status: RollbackStatus): boolean => !ACTIVE_ROLLBACK_STATUSES.includes(status);
/** Whether a finished rollback put traffic back on its target and left it there until it ended. */
export const rollbackRestored = (status: RollbackStatus): boolean => status === 'succeeded' || status === 'superseded';

export type StepName =
  | 'hook'
  | 'backup-database'
  | 'read-only'
  | 'read-write'
  | 'restore-config'
  | 'start'
  | 'await-healthy'
  | 'shift-traffic'
  | 'hold'
  | 'retire'
  | 'native-undo'
  | 'revert-source'
  | 'migrate-down'
  | 'restore'
  | 'validate-database'
  | 'smoke'
  | 'watch'
  | 'notify'
  | 'check-site'
  | 'update-dns'
  | 'verify-dns'
  | 'await-ttl';

export type FailureRule = 'abort' | 'continue';
export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

/** A planned step: what the planner produces and the executor runs. */
export interface StepSpec {
  name: StepName;
  /** a short human description: "start web v1 (revision 1)" */
  title: string;
  /** step-specific parameters, plain JSON */
  params: Record<string, unknown>;
  timeoutMs: number;
  onFailure: FailureRule;
  /** validation steps are skipped by emergency rollbacks */
  validation?: boolean;
}

export interface Step extends StepSpec {
  rollbackId: string;
  index: number;
  status: StepStatus;
  attempts: number;
  output: string | null;
  error: string | null;
  startedAt: number | null;
  finishedAt: number | null;
}

export type AttemptStatus = 'running' | 'done' | 'failed' | 'interrupted';

/** One try of one step: the journal the executor resumes from. */
export interface JournalEntry {
  rollbackId: string;
  stepIndex: number;
  attempt: number;
  status: AttemptStatus;
  output: string | null;
  error: string | null;
  startedAt: number;
  finishedAt: number | null;
  /** the process group the attempt last started (commands, hooks), so a later attempt can stop an orphan */
  processGroup?: number | null;
  /** where that group ran and its leader's start time, so only that very process is ever stopped */
  processOwner?: string | null;
}

export interface Rollback {
  id: string;
  service: string;
  environment: string;
  kind: RollbackKind;
  scope: RollbackScope;
  status: RollbackStatus;
  fromRevision: number | null;
  toRevision: number;
  reason: string;
  requestedBy: string;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** why it failed or escalated */
  error: string | null;
}

export interface RollbackDetail extends Rollback {
  steps: Step[];
  journal: JournalEntry[];
}

/** An append-only event: the audit log and every timeline (DESIGN.md). */
export interface RewindEvent {
  id: number;
  at: number;
  type: string;
  service: string | null;
  environment: string | null;
  rollbackId: string | null;
  revision: number | null;
  actor: string;
  message: string;
  data: Record<string, unknown>;
}
export type NewEvent = Omit<
  RewindEvent,
  'id' | 'at' | 'actor' | 'message' | 'data' | 'service' | 'environment' | 'rollbackId' | 'revision'
> &
  Partial<
    Pick<RewindEvent, 'at' | 'actor' | 'message' | 'data' | 'service' | 'environment' | 'rollbackId' | 'revision'>
  >;

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'timed-out';
export type OnTimeout = 'rollback' | 'escalate' | 'ignore';

export interface Approval {
  id: string;
  service: string;
  environment: string;
  /** what is being approved: an automatic decision, or a manual undo, drill or database change */
  action: 'rollback' | 'undo' | 'drill' | 'db';
  rollbackId: string | null;
  reason: string;
  requestedBy: string;
  status: ApprovalStatus;
  deadline: number;
  onTimeout: OnTimeout;
  decidedBy: string | null;
  decidedAt: number | null;
  decisionReason: string | null;
  createdAt: number;
  /** what to run when approved, plain JSON */
  payload: Record<string, unknown>;
}

export * from './backup-lease-model.js';
