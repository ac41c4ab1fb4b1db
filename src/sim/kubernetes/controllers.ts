import { DeploymentController } from './deployment-controller.js';
import { EndpointsController } from './endpoints-controller.js';
import { ReplicaSetController } from './replicaset-controller.js';
import type { ObjectStore } from './store.js';

/** How often the simulated controllers look again even when nothing was written (readiness, restarts, deadlines). */
export const TICK_MS = 100;

/**
 * The control loop of the simulated cluster: Deployment → ReplicaSets →
 * Pods (with the kubelet's part) → Endpoints, repeated until nothing
 * changes, after every client write and on a short tick.
 */
export class ControlLoop {
  private readonly deployments: DeploymentController;
  private readonly replicaSets: ReplicaSetController;
  private readonly endpoints: EndpointsController;
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;

  constructor(private readonly store: ObjectStore) {
    this.deployments = new DeploymentController(store);
    this.replicaSets = new ReplicaSetController(store);
    this.endpoints = new EndpointsController(store);
  }

  start(): void {
    this.timer ??= setInterval(() => this.run(), TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Runs soon (once per burst of writes), after the client has its answer. */
  kick(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.run();
    });
  }

  run(): void {
    for (let round = 0; round < 10; round++) {
      const before = this.store.resourceVersion;
      try {
        this.deployments.syncAll();
        this.replicaSets.syncAll();
        this.endpoints.syncAll();
      } catch (error) {
        console.error(`kube-sim (simulated) control loop: ${(error as Error).message}`);
      }
      if (this.store.resourceVersion === before) return;
    }
  }
}
