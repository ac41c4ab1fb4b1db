import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A call to a controller's HTTP API as the project's local admin would make it:
 * every direct HTTP call of a test goes through here, so the credentials a
 * controller asks for are added in one place. `stateDir` defaults to the
 * project's `.rewind`.
 */
export async function apiFetch(
  url: string,
  init: RequestInit & { json?: unknown } = {},
  project?: { dir: string; stateDir?: string },
): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = project ? adminToken(project.stateDir ?? join(project.dir, '.rewind')) : undefined;
  if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  return fetch(url, { ...init, headers, body });
}

function adminToken(stateDir: string): string | undefined {
  const path = join(stateDir, 'admin.token');
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}
