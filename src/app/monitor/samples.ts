/**
 * Per-second signal samples of every watched release: the last
 * good reading of each (revision, metric) in each second is kept and written to
 * the store once the second is over, so `rewind policy replay` and the canary
 * judge see what the monitor saw. The watches of one store share a batch writer:
 * a thousand watched releases make a few writes a second, not a thousand.
 */
import type { SignalReading } from '../../core/ports/signal-source.js';
import type { SignalSample, Store } from '../../core/ports/store.js';

export interface SampleRecorder {
  add(revision: number, metric: string, reading: SignalReading, at: number): void;
  /** hands every finished second (all seconds with `all`) to the writer; resolves once they are in the store */
  flush(all?: boolean): Promise<void>;
}

/** How long finished seconds wait for other watches' before one write takes them all. */
const BATCH_MS = 50;

interface SampleWriter {
  write(samples: SignalSample[]): Promise<void>;
}

const writers = new WeakMap<Store, SampleWriter>();

function sampleWriter(store: Store): SampleWriter {
  let writer = writers.get(store);
  if (!writer) writers.set(store, (writer = createSampleWriter(store)));
  return writer;
}

/** Collects samples for `BATCH_MS`, then writes them in one call; a failed write loses only samples. */
function createSampleWriter(store: Store): SampleWriter {
  let batch = new Map<string, SignalSample>();
  let written: Promise<void> | null = null;
  const writeBatch = async (): Promise<void> => {
    const samples = [...batch.values()];
    batch = new Map();
    written = null;
    await store.recordSamples(samples).catch(() => undefined);
  };
  return {
    write(samples) {
      // two watches of one release may both report a second: the later reading wins, as a rewrite would
      for (const s of samples)
        batch.set(`${s.service}\u0000${s.environment}\u0000${s.revision}\u0000${s.metric}\u0000${s.at}`, s);
      written ??= new Promise<void>((resolve) => setTimeout(resolve, BATCH_MS)).then(writeBatch);
      return written;
    },
  };
}

export function createSampleRecorder(store: Store, service: string, environment: string): SampleRecorder {
  const current = new Map<string, SignalSample>();
  let done: SignalSample[] = [];
  const writer = sampleWriter(store);
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
      await writer.write(batch);
    },
  };
}
