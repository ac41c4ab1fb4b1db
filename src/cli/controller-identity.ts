import type { LoadedConfig } from '../config/load.js';
import type { ProjectIdentity } from '../app/project-identity.js';
import { assertSameProject } from '../app/project-identity.js';

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
  let project: ProjectIdentity | null = null;
  try {
    const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return false;
    const body = (await response.json().catch(() => ({}))) as { project?: ProjectIdentity };
    project = body.project && typeof body.project.id === 'string' ? body.project : null;
  } catch {
    return false;
  }
  if (loaded) assertSameProject(baseUrl, loaded, project);
  return true;
}
