import type { LoadedConfig } from '../config/load.js';
import type { ProjectIdentity } from '../app/project-identity.js';
import { assertSameProject } from '../app/project-identity.js';
import { controllerHealth } from './http-client.js';

/**
 * Whether a controller answers at `baseUrl` and, when it does, that it serves
 * this config's project; a controller of another project is refused (exit 2)
 * before any call is made.
 */
export async function reachableController(
  baseUrl: string,
  loaded: LoadedConfig | null,
  timeoutMs = 500,
): Promise<boolean> {
  const health = await controllerHealth(baseUrl, timeoutMs);
  if (!health) return false;
  const claimed = health.project as ProjectIdentity | undefined;
  const project = claimed && typeof claimed.id === 'string' ? claimed : null;
  if (loaded) assertSameProject(baseUrl, loaded, project);
  return true;
}
