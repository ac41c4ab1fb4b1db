import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

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
  const token = project ? adminToken(project.stateDir ?? stateDirOf(project.dir)) : undefined;
  if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  return fetch(url, { ...init, headers, body });
}

/** The project's state dir as its rewind.yaml sets it (`controller.stateDir`, default `.rewind`). */
function stateDirOf(dir: string): string {
  const config = join(dir, 'rewind.yaml');
  let stateDir = '.rewind';
  if (existsSync(config)) {
    try {
      const parsed = parse(readFileSync(config, 'utf8')) as { controller?: { stateDir?: unknown } } | null;
      if (typeof parsed?.controller?.stateDir === 'string') stateDir = parsed.controller.stateDir;
    } catch {
      // a config a test broke on purpose: the default applies
    }
  }
  return isAbsolute(stateDir) ? stateDir : join(dir, stateDir);
}

function adminToken(stateDir: string): string | undefined {
  const path = join(stateDir, 'admin.token');
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}
