import type { Driver } from '../../core/ports/driver.js';
import type { ReleaseRef } from './options.js';
import type { InstanceView } from './release-group.js';

/** What the probes' signal source reads of a release (monitor/probes `ProbedReleaseLike`). */
export interface ReleaseSnapshot {
  instances: InstanceView[];
  restarts: number;
}

export interface LocalDriver extends Driver {
  /** resolves when every desired instance passed its ready check; UserError on timeout */
  awaitReady(release: ReleaseRef, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** the lookup for `createProbeSignalSource` */
  snapshot(service: string, environment: string, revision: number): ReleaseSnapshot | undefined;
  /** stops every process this driver supervises (close() leaves them running) */
  stopAll(): Promise<void>;
  close(): Promise<void>;
}
