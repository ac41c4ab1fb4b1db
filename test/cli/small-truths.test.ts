/**
 * The small truths a new user meets first: a taken front door names its config
 * key (exit 2), an unknown service is a usage error, the live version is not
 * deployed again without --force, a canary's first release simply goes live,
 * `"dryRun": null` is a 400 (never a real rollback), `migrate-down --to 2` finds
 * `002_*.sql`, a refused dry run still prints its SQL, and a step that could not
 * do its job (SQLite cannot stop writes) is shown skipped with why, never ✓.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiFetch } from '../helpers/api.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject } from '../helpers/cli.js';
import { platformDriver } from '../helpers/configs.js';

const projects: Project[] = [];
let serve: Serve | undefined;
afterAll(async () => {
  await serve?.kill('SIGTERM');
  for (const p of projects) p.cleanup();
});

describe('small truths', () => {
  it('serve with the front door taken names services.web.driver.listen and exits 2', async () => {
    const project = tempProject('rewind-taken-');
    projects.push(project);
    const front = await freePort();
    const squatter = createServer().listen(front, '127.0.0.1');
    await new Promise((resolve) => squatter.once('listening', resolve));
    try {
      project.write(
        'rewind.yaml',
        `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${await freePort()}" }
environments: { production: {} }
services:
  web:
    driver: { type: local, command: ["node", "server.js"], listen: "127.0.0.1:${front}" }
`,
      );
      const served = await runCli(['serve'], { cwd: project.dir });
      expect(served.code).toBe(2);
      expect(served.stderr).toContain(`services.web.driver.listen: 127.0.0.1:${front} is already in use`);
      expect(served.stderr).not.toContain('internal error');
    } finally {
      squatter.close();
    }
  });

  it('deploys, the API and the database tell the truth', async () => {
    const project = tempProject('rewind-truths-');
    projects.push(project);
    const port = await freePort();
    mkdirSync(join(project.dir, 'migrations'));
    project.write('migrations/001_a.up.sql', 'CREATE TABLE a (id INTEGER PRIMARY KEY);\n');
    project.write('migrations/001_a.down.sql', 'DROP TABLE a;\n');
    project.write('migrations/002_b.up.sql', 'CREATE TABLE b (id INTEGER PRIMARY KEY);\n');
    project.write('migrations/002_b.down.sql', 'DROP TABLE b;\n');
    project.write('migrations/003_c.up.sql', 'CREATE TABLE c (id INTEGER PRIMARY KEY);\n');
    project.write('migrations/003_c.down.sql', 'DROP TABLE c;\n');
    project.write(
      'rewind.yaml',
      `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${port}" }
environments: { production: {} }
services:
  api:
${platformDriver()}    postRollback: { watch: 0s }
    database: app
  feed:
${platformDriver('feed.json')}    strategy: canary
    canary: { steps: [25, 100], pause: 1s }
databases:
  app: { engine: sqlite, url: app.sqlite, migrations: { dir: ./migrations } }
`,
    );
    const cli = (...args: string[]) => runCli(args, { cwd: project.dir });

    const unknown = await cli('deploy', 'nope', 'v1');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('service "nope" not found');

    // the first release of a canary service has nothing to compare with: it goes live at 100 %
    const canary = await cli('deploy', 'feed', 'v1', '--json');
    expect(canary.code, canary.stderr).toBe(0);
    expect(JSON.parse(canary.stdout)).toMatchObject({ outcome: 'promoted', release: { revision: 1 } });
    expect(JSON.parse((await cli('status', 'feed', '--json')).stdout).weights).toEqual({ 1: 100 });

    expect((await cli('deploy', 'api', 'v1', '--migrate')).code).toBe(0);
    const again = await cli('deploy', 'api', 'v1');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already live');
    expect(JSON.parse((await cli('history', 'api', '--json')).stdout)).toHaveLength(1);

    // `--to 2` is the version numbered 2, stored as 002
    const dry = await cli('db', 'migrate-down', '--to', '2', '--dry-run', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout).steps).toEqual([expect.stringContaining('DROP TABLE c')]);
    const db = new Database(join(project.dir, 'app.sqlite'));
    db.prepare('INSERT INTO c (id) VALUES (1)').run();
    db.close();
    const refused = await cli('db', 'migrate-down', '--to', '2', '--dry-run');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('which has rows');
    expect(refused.stderr).toContain('-- 003_c.down.sql\nDROP TABLE c;');

    // over HTTP a non-boolean dryRun is refused, never run for real
    project.write('migrations/004_d.up.sql', 'CREATE TABLE d (id INTEGER PRIMARY KEY);\n');
    project.write('migrations/004_d.down.sql', 'DROP TABLE d;\n');
    expect((await cli('deploy', 'api', 'v2', '--migrate')).code).toBe(0);
    serve = await startServe(project, port);
    const answer = await apiFetch(
      `${serve.url}/v1/undo`,
      { method: 'POST', json: { service: 'api', dryRun: null } },
      { dir: project.dir, stateDir: join(project.dir, 'state') },
    );
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: { message: string } }).error.message).toContain('dryRun');
    expect(JSON.parse((await cli('rollbacks', '--json')).stdout)).toEqual([]);

    // SQLite cannot stop writes: the step says so and is not shown as done
    const undo = await cli('undo', 'api', '--wait-stable');
    expect(undo.code, undo.stderr).toBe(0);
    expect(undo.stderr).toContain(
      '- 1. stop writes on database app — skipped: sqlite has no read-only mode: writes were NOT stopped',
    );
    const [rollback] = JSON.parse((await cli('rollbacks', '--json')).stdout) as { id: string }[];
    const shown = JSON.parse((await cli('rollback', 'show', rollback?.id ?? '', '--json')).stdout) as {
      status: string;
      steps: { name: string; status: string }[];
    };
    expect(shown.status).toBe('succeeded');
    expect(shown.steps.filter((s) => s.status === 'skipped').map((s) => s.name)).toEqual(['read-only', 'read-write']);
  }, 90_000);
});
