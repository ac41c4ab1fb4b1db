/**
 * Dashboard sessions live in the store: a browser stays signed in across a
 * controller restart, the store holds neither the cookie nor the token, and
 * revoking the token ends the session.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject } from '../helpers/cli.js';
import { platformDriver } from '../helpers/configs.js';

let project: Project | undefined;
let serve: Serve | undefined;
afterAll(async () => {
  await serve?.kill('SIGKILL');
  project?.cleanup();
});

interface SessionAnswer {
  session: { name: string; role: string; csrf: string } | null;
}

describe('dashboard sessions', () => {
  it('outlive a restart of the controller, are stored by hash only, and end with their token', async () => {
    project = tempProject('rewind-sessions-');
    const port = await freePort();
    project.write(
      'rewind.yaml',
      `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${port}" }
environments: { production: {} }
services:
  api:
${platformDriver('platform.json', false)}`,
    );
    const cli = (...args: string[]) => runCli(args, { cwd: project!.dir });
    serve = await startServe(project, port);
    const made = await cli('token', 'create', 'vera', '--role', 'viewer', '--json');
    expect(made.code, made.stderr).toBe(0);
    const token = (JSON.parse(made.stdout) as { token: string }).token;

    const signIn = await fetch(`${serve.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    expect(signIn.status).toBe(200);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie).toMatch(/^rewind_session=.+/);
    const session = async (): Promise<SessionAnswer> =>
      (await (await fetch(`${serve!.url}/v1/session`, { headers: { cookie } })).json()) as SessionAnswer;
    const before = await session();
    expect(before.session).toMatchObject({ name: 'vera', role: 'viewer' });

    await serve.kill('SIGTERM');
    serve = await startServe(project, port);
    const after = await session();
    expect(after.session).toMatchObject({ name: 'vera', role: 'viewer', csrf: before.session?.csrf });
    // the session reads through the API like any signed-in browser
    const status = await fetch(`${serve.url}/v1/status/api`, { headers: { cookie } });
    expect(status.status).toBe(200);

    // neither the cookie nor the token is in the store's files
    const files = ['state.db', 'state.db-wal'].map((f) => {
      try {
        return readFileSync(join(project!.dir, 'state', f)).toString('latin1');
      } catch {
        return '';
      }
    });
    const id = cookie.slice('rewind_session='.length);
    for (const bytes of files) {
      expect(bytes).not.toContain(id);
      expect(bytes).not.toContain(token);
    }

    expect((await cli('token', 'revoke', 'vera')).code).toBe(0);
    expect((await session()).session).toBeNull();
    expect((await fetch(`${serve.url}/v1/status/api`, { headers: { cookie } })).status).toBe(401);
  }, 90_000);
});
