/**
 * The load generator in its own thread (worker entry). A client is a separate
 * program: run in the controller's event loop, the load would stall whenever the
 * controller is busy — exactly during a rollback — and the demo would measure its
 * own stalls. Here it keeps its pace and sends its samples back in batches.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLoadGenerator, type LoadGeneratorOptions } from './load-generator.js';
import type { RequestSample } from './load-report.js';

export type WorkerMessage =
  | { type: 'samples'; samples: RequestSample[]; inFlight: number }
  | { type: 'stopped'; samples: RequestSample[]; skipped: number };

const port = parentPort;
if (port) {
  const load = createLoadGenerator(workerData as LoadGeneratorOptions);
  let sent = 0;
  const flush = (): RequestSample[] => {
    const all = load.samples();
    const fresh = all.slice(sent);
    sent = all.length;
    return fresh;
  };
  const timer = setInterval(
    () => port.postMessage({ type: 'samples', samples: flush(), inFlight: load.inFlight() } satisfies WorkerMessage),
    100,
  );
  port.on('message', (message: { type: string }) => {
    if (message.type === 'start') load.start();
    if (message.type === 'stop') {
      clearInterval(timer);
      void load.stop().then((report) => {
        port.postMessage({ type: 'stopped', samples: flush(), skipped: report.skipped } satisfies WorkerMessage);
        port.close();
      });
    }
  });
}
