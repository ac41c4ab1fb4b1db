import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { startController, type Controller } from '../../src/runtime/controller.js';
import { controllerServices } from '../../src/runtime/services.js';
import type { Project } from '../helpers/cli.js';
import { platformDriver } from '../helpers/configs.js';

/** The command-driver example's service (examples/command-driver), with `extra` YAML appended at the top level. */
export function commandProject(project: Project, extra = '', watch = '0s', serviceExtra = ''): string {
  return project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state }
environments:
  production: {}
services:
  api:
${platformDriver(join(project.dir, 'platform.json'))}    postRollback: { watch: ${watch} }
${serviceExtra}${extra}`,
  );
}

/** `rewind serve` in this process: the same services and plugins as the real one. */
export async function startServe(configPath: string, env: Record<string, string> = {}): Promise<Controller> {
  Object.assign(process.env, env);
  const loaded = loadConfig(configPath);
  return startController(loaded, { listen: '127.0.0.1:0', drainTimeoutMs: 5_000, ...controllerServices(loaded) });
}

export const actor = { name: 'test' };
