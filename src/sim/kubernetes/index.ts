export { startKubeSim, kubeconfigFor } from './server.js';
export type { KubeSim, KubeSimOptions } from './server.js';
export type { KubeApi } from './api.js';
export { READY_AFTER_MS, RESTART_EVERY_MS } from './pod-lifecycle.js';
