/**
 * Every event type Rewind appends to its event log (the audit log and every
 * timeline are that one table), with what it means. Notification routes, the
 * SSE stream and `GET /v1/events` filter on these names, so they are part of
 * the contract: a new event type is added here with its meaning, and the events
 * reference (docs/reference/metrics-and-events.md) is generated from this list.
 */
export const EVENT_TYPES: Readonly<Record<string, string>> = {
  'deploy.started': 'a deploy began: a new release (revision) of a service in an environment was created',
  'deploy.ready': "the new release's instances answer their readiness probe",
  'deploy.traffic': 'the new release got a share of the traffic (canary step or the whole blue-green switch)',
  'deploy.promoted': 'the release passed its analysis and is the live release',
  'deploy.failed':
    'the deploy stopped before promotion (not ready in time, a start or traffic error); traffic stays on the previous release',
  'release.adopted':
    "a service's history was read from its platform (Kubernetes, Helm) the first time Rewind saw it, or running containers were taken over as its live release (rewind adopt)",
  'release.external':
    'the platform was changed outside Rewind (a person rolled out or switched back); Rewind recorded it',
  'release.retire-failed': 'a release could not be drained and stopped after it lost its traffic',
  'trigger.fired': "a trigger's rule held for a release (metric, threshold, evidence)",
  'decision.made': 'policy decided what to do about fired triggers: rollback, ask, alert, escalate, ignore or flag-off',
  'policy.escalated':
    'policy handed the incident to a human (retries exhausted in the cooldown, an approval timed out, evidence inconclusive)',
  'approval.requested':
    'an action waits for a person: an automatic decision with `ask`, or a manual change in a protected environment',
  'approval.approved': 'an approver approved the waiting action; it runs now',
  'approval.rejected': 'an approver rejected the waiting action; nothing changed',
  'approval.timeout': "an approval's deadline passed; `policy.onTimeout` decides what follows",
  'approval.stale':
    'an approved rollback no longer applied (the release it would replace no longer serves); nothing rolled back',
  'rollback.initiated': 'a rollback was planned and saved: kind, scope, from and to revision, reason',
  'rollback.step-started': 'a step of the rollback plan began an attempt',
  'rollback.step-finished': 'a step ended done or skipped, with its output',
  'rollback.step-failed': 'a step failed; its failure rule (abort or continue) decides what follows',
  'rollback.step-resumed': 'a controller resumed a step left running by a controller that stopped',
  'rollback.orphan-stopped': 'before re-running a step, the processes its interrupted attempt had started were stopped',
  'rollback.resumed': 'a controller took over a rollback left running',
  'rollback.traffic-restored': 'traffic is back on the target release (read back from the front door)',
  'rollback.restore-step':
    'a step of a gradual restoration: the target serves this percent of the traffic, the bad release the rest',
  'rollback.logs':
    'the failed release’s output around its first failure, per instance (masked), kept for the incident report',
  'rollback.impact':
    'the failed and total requests of the bad release, counted by the front door, for the incident report',
  'rollback.completed':
    'every step of the rollback ended; the restored release is live (data.superseded: a newer deploy ended the post-rollback watch early, and why)',
  'rollback.partial': 'a rollback of several services stopped part way: which services were rolled back and which not',
  'rollback.failed': 'the rollback ended failed',
  'rollback.escalated': 'the rollback stopped at a failed step with `onFailure: abort` and needs a human',
  'smoke.finished': 'the smoke tests ran against the restored release: passed or failed, with each result',
  'smoke.skipped': 'the smoke tests could not run (no base URL known for the driver)',
  'target.missed':
    'a recovery time exceeded its target (detection → decision, decision → execution, execution → stable, total)',
  'report.written': 'the incident report of a rollback was written (Markdown and JSON)',
  'report.failed': 'the incident report could not be written',
  'config.snapshotted': "a release's config files were kept in the store, to be put back by a config rollback",
  'flag.changed': 'a feature flag was turned on or off for a release (by a person or by a `flag-off` decision)',
  'service.restarted': "a service's live release was restarted in place",
  'service.stopped': "a service's live release was stopped",
  'service.started': "a service's live release was started again",
  'controller.restored': 'after a controller start, a live release of the local driver was brought back',
  'controller.restore-failed': 'after a controller start, a live release could not be brought back',
  'drill.started': 'a drill began: fault injected into a copy of the live release',
  'drill.finished': 'a drill ended: detected and rolled back or not, with its measured times',
  'drill.skipped': 'a scheduled drill did not run, and why',
  'backup.created': 'a database backup was written and checksummed',
  'backup.verified': 'a backup was verified by restoring it into a scratch database',
  'backup.corrupt': 'a backup failed verification (checksum or restore)',
  'backup.pruned': 'retention removed old backups',
  'restore.started': 'a database restore began (after a safety backup)',
  'restore.succeeded': 'a database restore finished and its checks passed',
  'restore.refused': 'a database restore was refused before it changed anything',
  'restore.reverted': 'a restore failed and the safety backup was put back',
  'restore.revert-failed': 'a restore failed and putting the safety backup back failed too: a human must act',
  'database.migrated': 'a database was migrated (up with `deploy --migrate`, or down in a rollback)',
  'database.read-only': 'a database was put in read-only mode (writes stopped)',
  'database.read-write': 'a database accepts writes again',
  'token.created': 'an API token was created (its name, role and environments; never the secret)',
  'token.revoked': 'an API token was revoked',
  'trigger.shadow-fired':
    "a shadow trigger's rule held (or a shadow alert mapping matched): recorded as evidence, it decides nothing",
  'alert.received':
    'an alert from the monitoring (Alertmanager, Grafana, the generic receiver) arrived: its labels, and the release it was blamed on or why none',
  'alert.acted': 'an alert raised an approval; the approval is withdrawn if the alert resolves first',
  'approval.withdrawn': 'a pending approval was closed because the alert that raised it resolved',
  'quarantine.lifted': 'a rolled-back version may be deployed again: who lifted its quarantine and why',
  'freeze.started': 'an ad-hoc freeze of forward deploys began (`rewind freeze start`): scope and reason',
  'freeze.ended': 'an ad-hoc or incident freeze ended (`rewind freeze end`, or its rollback succeeded)',
  'freeze.broken': 'a deploy went through a freeze with `--break-glass`: who, the version and why',
  'config.reloaded': 'the controller applied a changed rewind.yaml: who asked, and the diff',
  'config.reload-refused':
    'a changed rewind.yaml was not applied (invalid, or a change that needs a restart); nothing changed',
  'controller.kept-stopped': 'after a controller start, a service stopped with `rewind stop` was left stopped',
  'service.not-serving': 'the live release of a service serves nobody (no ready instance or no traffic)',
  'service.readiness-kept':
    'a live release keeps the readiness check it was made ready under; the changed one waits for a new release or a restart',
  'front-door.started': "a service's front door (builtin switch process or HAProxy) was started",
  'front-door.adopted': "a starting controller adopted a service's running front door",
  'front-door.restarted': "a service's front door died and was started again; `gapMs` says how long it did not accept",
  'rollback.orphan-unreachable':
    "a step's interrupted attempt left processes on another host or that no longer exist; they were not signalled",
  'backup.failed': 'a scheduled backup could not be taken',
  'backup.fetched': 'a backup kept only in the object store was fetched back to the local directory',
  'backup.upload-failed': 'a backup could not be copied to the object store; the local copy is kept',
  'backup.verification-passed': 'a backup was restored into a scratch database and passed validation',
  'backup.verification-failed': 'a backup failed verification by restore; `restore latest` skips it',
  'backup.rpo-missed': 'the newest verified backup of a database is older than its recovery point objective',
  'backup.rpo-restored': 'a database is within its recovery point objective again',
  'backup.scratch-dropped':
    'scratch copies a verification interrupted by a crash left on the database server were dropped at start',
  'site.down': "the primary site's health check failed; with `onSiteDown: ask` this names the failover to run",
  'site.recovered': "a site's health check passes again",
  'site.switched': 'a failover or failback changed the DNS records; the authoritative server answers the new site',
  'site.resolvers-follow': "the old records' TTL passed: resolvers can be expected to follow the new site",
  'site.watch-failed': 'the site-down watch could not check the sites (and why)',
  'audit.request': 'an API call that changes something, or that was refused: who, what, the answer',
};
