import type { ProcessRunner } from '../core/ports/process.js';
import { groupAlive, stopProcessGroup } from './orphans.js';
import { processOwner, stopOrphan } from './owner.js';
import { runProcess } from './run.js';

export { ProcessStartError, runProcess } from './run.js';
export { groupAlive, stopProcessGroup } from './orphans.js';

/** The one process runner (DESIGN.md, process/), as the port the use cases and adapters receive. */
export function createProcessRunner(): ProcessRunner {
  return {
    run: runProcess,
    stopGroup: stopProcessGroup,
    groupAlive,
    owner: processOwner,
    stopOrphan,
  };
}
