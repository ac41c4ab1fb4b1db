/**
 * Per-second signal samples of every watched release: the last
 * good reading of each (revision, metric) in each second is kept and written to
 * the store once the second is over, so `rewind policy replay` and the canary
 * judge see what the monitor saw.
 */
import type { SignalReading } from '../../core/ports/signal-source.js';
import type { SignalSample, Store } from '../../core/ports/store.js';

export interface SampleRecorder {
  add(revision: number, metric: string, reading: SignalReading, at: number): void;
  /** writes every finished second (all seconds with `all`) */
  flush(all?: boolean): Promise<void>;
}

export function createSampleRecorder(store: Store, service: string, environment: string): SampleRecorder {
  const current = new Map<string, SignalSample>();
  let done: SignalSample[] = [];
  return {
    add(revision, metric, reading, at) {
      if (reading.status !== 'ok') return;
      const second = Math.floor(at / 1000) * 1000;
      const key = `${revision}|${metric}`;
      const open = current.get(key);
      if (open && open.at !== second) done.push(open);
      current.set(key, {
        service,
        environment,
        revision,
        metric,
        at: second,
        value: reading.value,
        samples: reading.samples,
      });
    },
    async flush(all = false) {
      if (all) {
        done.push(...current.values());
        current.clear();
      }
      if (done.length === 0) return;
      const batch = done;
      done = [];
      await store.recordSamples(batch).catch(() => undefined);
    },
  };
}
