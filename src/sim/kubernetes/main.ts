import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { startKubeSim } from './server.js';

/**
 * `npm run kube-sim -- --port <P> --kubeconfig <file>`: the SIMULATED API
 * server in the foreground until SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      kubeconfig: { type: 'string' },
      namespace: { type: 'string', default: 'default' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const sim = await startKubeSim({ port: Number(values.port), verbose: values.verbose });
  console.log(`SIMULATED Kubernetes API server (not a real cluster) listening on ${sim.url}`);
  if (values.kubeconfig) {
    const path = resolve(values.kubeconfig);
    await sim.writeKubeconfig(path, values.namespace);
    console.log(`kubeconfig for the simulated cluster written to ${path} (KUBECONFIG=${path} kubectl get pods)`);
  }
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    void sim.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`kube-sim: ${(error as Error).message}`);
  process.exit(1);
});
