/**
 * `rewind policy replay --rollback <id> -c other.yaml`: the
 * per-second samples recorded while the rolled-back release was watched, run
 * through another config's triggers and matrix — when each trigger would have
 * fired and what would have been decided — beside what really happened.
 */
import type { LoadedConfig } from '../../config/load.js';
import { UserError, notFound } from '../../core/errors.js';
import type { ReplayResult } from '../../core/policy/replay.js';
import { replayPolicy } from '../../core/policy/replay.js';
import type { Store } from '../../core/ports/store.js';
import { effectivePolicy, triggerSpecs } from './effective.js';

export interface EpisodeReplay {
  rollbackId: string;
  service: string;
  environment: string;
  revision: number;
  /** the episode: from the release's creation to the end of the rollback */
  from: number;
  to: number;
  samples: number;
  /** what the monitor really did: trigger.fired events of the episode, ms after `from` */
  recorded: { trigger: string; at: number; offsetMs: number }[];
  replay: ReplayResult;
}

export async function replayRollback(store: Store, rollbackId: string, other: LoadedConfig): Promise<EpisodeReplay> {
  const rollback = await store.getRollback(rollbackId);
  if (!rollback) throw notFound(`rollback ${rollbackId}`, 'list them with: rewind rollbacks');
  if (rollback.fromRevision === null)
    throw new UserError('NOTHING_TO_REPLAY', `rollback ${rollbackId} has no release it rolled back from`, {
      exitCode: 2,
    });
  const release = await store.getRelease(rollback.service, rollback.environment, rollback.fromRevision);
  if (!release) throw notFound(`revision ${rollback.fromRevision} of ${rollback.service}`);
  const service = other.config.services[rollback.service];
  if (!service)
    throw new UserError('NOT_FOUND', `${other.file} has no service "${rollback.service}" to replay`, {
      exitCode: 2,
      status: 404,
    });
  const from = release.createdAt;
  const to = rollback.finishedAt ?? rollback.createdAt;
  const samples = await store.readSamples({
    service: rollback.service,
    environment: rollback.environment,
    revision: release.revision,
    from,
    to: to + 1,
  });
  if (samples.length === 0) {
    throw new UserError(
      'NOTHING_TO_REPLAY',
      `no signal samples were recorded for ${rollback.service} r${release.revision} (only releases watched by \`rewind serve\` have them, and retention may have removed them)`,
      { exitCode: 1 },
    );
  }
  const policy = effectivePolicy(other.config, rollback.environment);
  const replay = replayPolicy({
    samples,
    triggers: triggerSpecs(service),
    matrix: policy.matrix,
    environment: rollback.environment,
    revision: release.revision,
    automatic: policy.automatic,
    from: samples[0]?.at ?? from,
    to: samples.at(-1)?.at ?? to,
  });
  const fired = await store.listEvents({
    service: rollback.service,
    environment: rollback.environment,
    types: ['trigger.fired'],
    limit: 5000,
  });
  const start = replay.from;
  const recorded = fired
    .filter((e) => e.revision === release.revision && e.at >= from && e.at <= to)
    .map((e) => ({ trigger: String(e.data.trigger), at: e.at, offsetMs: e.at - start }));
  return {
    rollbackId,
    service: rollback.service,
    environment: rollback.environment,
    revision: release.revision,
    from,
    to,
    samples: samples.length,
    recorded,
    replay,
  };
}
