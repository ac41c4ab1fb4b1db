import { Cron } from 'croner';
import type { LoadedConfig } from '../../config/load.js';
import { errorMessage } from '../../core/errors.js';
import type { AppContext } from '../context.js';
import type { RewindApi } from '../index.js';

/**
 * Scheduled drills (issue 6 §7): each `drills[]` entry runs on its cron
 * `schedule` from `rewind serve`. A run that is still going when the next one is
 * due is not doubled (croner's `protect`); a drill that fails to start is
 * recorded as a `drill.skipped` event, never a crash of the controller.
 */
export function scheduleDrills(loaded: LoadedConfig, ctx: AppContext, api: RewindApi): () => Promise<void> {
  const jobs = loaded.config.drills.map(
    (drill, index) =>
      new Cron(drill.schedule, { name: `drill-${index}`, protect: true }, async () => {
        await api
          .drill({ environment: drill.env, ...(drill.service ? { service: drill.service } : {}), fault: drill.fault, actor: { name: 'schedule' }, wait: true })
          .catch((error: unknown) =>
            ctx.emit({ type: 'drill.skipped', environment: drill.env, service: drill.service ?? null, message: `scheduled drill did not run: ${errorMessage(error)}`, data: { schedule: drill.schedule } }),
          );
      }),
  );
  // a drill in progress ends with the controller (its rollback resumes on the next start)
  return async () => {
    for (const job of jobs) job.stop();
  };
}
