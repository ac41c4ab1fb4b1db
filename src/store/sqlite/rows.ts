import type { Approval, Backup, JournalEntry, Release, RewindEvent, Rollback, Step } from '../../core/model.js';

/** Row shapes as SQLite returns them, and their mapping to the model. */
type Row = Record<string, unknown>;

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const json = <T>(v: unknown): T => JSON.parse(String(v)) as T;

export const toRelease = (r: Row): Release => ({
  id: String(r.id),
  service: String(r.service),
  environment: String(r.environment),
  revision: num(r.revision),
  version: String(r.version),
  status: r.status as Release['status'],
  artifact: strOrNull(r.artifact),
  configHash: strOrNull(r.config_hash),
  schemaVersion: strOrNull(r.schema_version),
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
  promotedAt: numOrNull(r.promoted_at),
  deployedBy: String(r.deployed_by),
});

export const toRollback = (r: Row): Rollback => ({
  id: String(r.id),
  service: String(r.service),
  environment: String(r.environment),
  kind: r.kind as Rollback['kind'],
  scope: r.scope as Rollback['scope'],
  status: r.status as Rollback['status'],
  fromRevision: numOrNull(r.from_revision),
  toRevision: num(r.to_revision),
  reason: String(r.reason),
  requestedBy: String(r.requested_by),
  createdAt: num(r.created_at),
  startedAt: numOrNull(r.started_at),
  finishedAt: numOrNull(r.finished_at),
  error: strOrNull(r.error),
});

export const toStep = (r: Row): Step => ({
  rollbackId: String(r.rollback_id),
  index: num(r.idx),
  name: r.name as Step['name'],
  title: String(r.title),
  params: json(r.params),
  timeoutMs: num(r.timeout_ms),
  onFailure: r.on_failure as Step['onFailure'],
  validation: Boolean(r.validation),
  status: r.status as Step['status'],
  attempts: num(r.attempts),
  output: strOrNull(r.output),
  error: strOrNull(r.error),
  startedAt: numOrNull(r.started_at),
  finishedAt: numOrNull(r.finished_at),
});

export const toJournal = (r: Row): JournalEntry => ({
  rollbackId: String(r.rollback_id),
  stepIndex: num(r.step_idx),
  attempt: num(r.attempt),
  status: r.status as JournalEntry['status'],
  output: strOrNull(r.output),
  error: strOrNull(r.error),
  startedAt: num(r.started_at),
  finishedAt: numOrNull(r.finished_at),
  processGroup: numOrNull(r.process_group),
  processOwner: strOrNull(r.process_owner),
});

export const toEvent = (r: Row): RewindEvent => ({
  id: num(r.id),
  at: num(r.at),
  type: String(r.type),
  service: strOrNull(r.service),
  environment: strOrNull(r.environment),
  rollbackId: strOrNull(r.rollback_id),
  revision: numOrNull(r.revision),
  actor: String(r.actor),
  message: String(r.message),
  data: json(r.data),
});

export const toApproval = (r: Row): Approval => ({
  id: String(r.id),
  service: String(r.service),
  environment: String(r.environment),
  action: r.action as Approval['action'],
  rollbackId: strOrNull(r.rollback_id),
  reason: String(r.reason),
  requestedBy: String(r.requested_by),
  status: r.status as Approval['status'],
  deadline: num(r.deadline),
  onTimeout: r.on_timeout as Approval['onTimeout'],
  decidedBy: strOrNull(r.decided_by),
  decidedAt: numOrNull(r.decided_at),
  decisionReason: strOrNull(r.decision_reason),
  createdAt: num(r.created_at),
  payload: json(r.payload),
});

export const toBackup = (r: Row): Backup => ({
  id: String(r.id),
  database: String(r.database),
  kind: r.kind as Backup['kind'],
  tables: json(r.tables),
  path: String(r.path),
  sizeBytes: num(r.size_bytes),
  sha256: String(r.sha256),
  service: strOrNull(r.service),
  environment: strOrNull(r.environment),
  revision: numOrNull(r.revision),
  createdAt: num(r.created_at),
  manifest: json(r.manifest),
});
