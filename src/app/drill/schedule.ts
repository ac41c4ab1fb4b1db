import { Cron } from 'croner';
import type { LoadedConfig } from '../../config/load.js';
import { ExitCode, UserError, errorMessage } from '../../core/errors.js';
import type { AppContext } from '../context.js';
import type { RewindApi } from '../index.js';

/**
 * Scheduled drills: each `drills[]` entry runs on its cron
 * `schedule` from `rewind serve`. A run that is still going when the next one is
 * due is not doubled (croner's `protect`); a drill that fails to start is
 * recorded as a `drill.skipped` event, never a crash of the controller.
 */
export function scheduleDrills(loaded: LoadedConfig, ctx: AppContext, api: RewindApi): () => Promise<void> {
  const jobs: Cron[] = [];
  for (const [index, drill] of loaded.config.drills.entries()) {
    const run = async (): Promise<void> => {
      await api
        .drill({
          environment: drill.env,
          ...(drill.service ? { service: drill.service } : {}),
          ...(typeof drill.fault === 'string' ? { fault: drill.fault } : { faultImage: drill.fault.image }),
          actor: { name: 'schedule' },
          // configured in rewind.yaml: the config's review is the approval
          approved: true,
          wait: true,
        })
        .catch((error: unknown) =>
          ctx.emit({
            type: 'drill.skipped',
            environment: drill.env,
            service: drill.service ?? null,
            message: `scheduled drill did not run: ${errorMessage(error)}`,
            data: { schedule: drill.schedule },
          }),
        );
    };
    try {
      jobs.push(new Cron(drill.schedule, { name: `drill-${index}`, protect: true }, run));
    } catch (error) {
      for (const job of jobs) job.stop();
      throw new UserError(
        'BAD_SCHEDULE',
        `${loaded.file}: drills[${index}].schedule "${drill.schedule}" is not a cron expression: ${errorMessage(error)}`,
        { exitCode: ExitCode.usage },
      );
    }
  }
  // a drill in progress ends with the controller (its rollback resumes on the next start)
  return async () => {
    for (const job of jobs) job.stop();
  };
}
