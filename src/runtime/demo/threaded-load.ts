/**
 * A `LoadGenerator` whose requests are sent from a worker thread (see
 * load-worker.ts), so the demo's clients keep their pace while the in-process
 * controller works. Samples arrive every 100 ms; `samples()` holds what arrived.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { systemClock } from '../../core/clock.js';
import { createLoadGenerator, type LoadGenerator, type LoadGeneratorOptions } from './load-generator.js';
import { summarize, type LoadReport, type RequestSample } from './load-report.js';
import type { WorkerMessage } from './load-worker.js';

/**
 * Starts the load in a worker thread when the compiled worker is there (dist/,
 * dist-bench/); from TypeScript sources (tests) it falls back to this thread.
 */
export function createThreadedLoadGenerator(options: Omit<LoadGeneratorOptions, 'clock' | 'releaseOf'>): LoadGenerator {
  const script = new URL('./load-worker.js', import.meta.url);
  if (!existsSync(fileURLToPath(script))) return createLoadGenerator(options);
  createLoadGenerator(options); // validates the options here, where a bad one is the caller's mistake
  const worker = new Worker(script, { workerData: options });
  const samples: RequestSample[] = [];
  let inFlight = 0;
  let skipped = 0;
  let startedAt: number | null = null;
  let stoppedAt: number | null = null;
  let finished: Promise<LoadReport> | null = null;
  let onStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (onStopped = resolve));
  worker.on('message', (message: WorkerMessage) => {
    samples.push(...message.samples);
    if (message.type === 'samples') inFlight = message.inFlight;
    else {
      inFlight = 0;
      skipped = message.skipped;
      onStopped();
    }
  });
  worker.on('error', () => onStopped());
  worker.on('exit', () => onStopped());
  const report = (): LoadReport =>
    summarize(samples, {
      startedAt,
      stoppedAt: stoppedAt ?? systemClock.now(),
      skipped,
      ratePerSecond: options.ratePerSecond ?? 150,
    });
  return {
    start() {
      if (startedAt !== null) return;
      startedAt = systemClock.now();
      worker.postMessage({ type: 'start' });
    },
    stop() {
      finished ??= (async () => {
        stoppedAt = systemClock.now();
        worker.postMessage({ type: 'stop' });
        await stopped;
        await worker.terminate();
        return report();
      })();
      return finished;
    },
    report,
    samples: () => samples,
    inFlight: () => inFlight,
  };
}
