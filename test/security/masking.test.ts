import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFetch } from '../helpers/api.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { platformDriver } from '../helpers/configs.js';
import { startReceiver, type Receiver } from '../harness/receiver.js';

// a quote and a backslash, so masking must work on values, not on their JSON escapes;
// the random part is what the checks look for, however a file escapes it
const MARK = randomBytes(12).toString('hex');
const CDN_KEY = `k"\\${MARK}`;

let project: Project;
let serve: Serve;
let receiver: Receiver;
// handed to hooks through controller.passEnv, never written in the config: a secret all the same
const SIGNING_KEY = `sig-${MARK}-passed`;
const env = { CDN_KEY, SIGNING_KEY };
const cli = (...args: string[]) => runCli(args, { cwd: project.dir, env });
const admin = () => ({ dir: project.dir, stateDir: join(project.dir, 'state') });

/** every file under a directory, as text */
function filesUnder(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push({ path, text: readFileSync(path).toString('latin1') });
  }
  return out;
}

beforeAll(async () => {
  receiver = await startReceiver();
  project = tempProject('rewind-masking-');
  const port = await freePort();
  mkdirSync(join(project.dir, 'migrations'));
  project.write('migrations/1_t.up.sql', 'CREATE TABLE t (id INTEGER PRIMARY KEY);');
  project.write('migrations/1_t.down.sql', 'DROP TABLE t;');
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${port}", passEnv: [SIGNING_KEY] }
environments: { production: {} }
services:
  api:
${platformDriver('platform.json', false)}    postRollback: { watch: 0s }
    database: app
    hooks:
      preRollback:
        - { name: sign, command: ["node", "-e", "console.log('signing with', process.env.SIGNING_KEY)"], timeout: 10s }
        - { name: purge-cdn, command: ["node", "-e", "console.log('purging with', process.argv[1])", "\${CDN_KEY}"], timeout: 10s }
        # hooks do not inherit the controller's environment: only what the config passes
        - { name: no-leak, command: ["node", "-e", "process.exit(process.env.CDN_KEY || !process.env.PATH ? 7 : 0)"], timeout: 10s, onFailure: abort }
databases:
  app: { engine: sqlite, url: "${project.dir}/app-\${CDN_KEY}.sqlite", migrations: { dir: ./migrations } }
notifications:
  channels:
    - { name: audit, type: webhook, url: "${receiver.url}/hook?api_key=\${CDN_KEY}" }
  routes:
    - { events: ["rollback.*"], channels: [audit] }
`,
  );
  serve = await startServe(project, port, env);
}, 60_000);
afterAll(async () => {
  await serve?.kill('SIGKILL');
  await receiver?.close();
  project?.cleanup();
});

describe('secrets stay secret, by value', () => {
  it('CDN_KEY in a hook argv, a webhook URL and a database URL, and a passEnv value a hook printed, appear nowhere after a rollback that used them', async () => {
    for (const version of ['v1', 'v2']) {
      const deployed = await cli('deploy', 'api', version, '--migrate', '--json');
      expect(deployed.code, deployed.stderr).toBe(0);
      // v2 brings a migration, so its undo migrates the database down
      project.write('migrations/2_u.up.sql', 'CREATE TABLE u (id INTEGER PRIMARY KEY);');
      project.write('migrations/2_u.down.sql', 'DROP TABLE u;');
    }
    const dry = await cli('undo', 'api', '--dry-run', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    const undo = await cli('undo', 'api', '--wait-stable', '--json');
    expect(undo.code, undo.stderr).toBe(0);
    const { rollback } = JSON.parse(undo.stdout) as { rollback: { id: string; status: string } };
    expect(rollback.status).toBe('succeeded');
    // the hook ran with the real key (its output says so, masked) and the webhook got its messages
    const detail = await (await apiFetch(`${serve.url}/v1/rollbacks/${rollback.id}`, {}, admin())).json();
    expect(JSON.stringify(detail)).toContain('purging with ***');
    expect(JSON.stringify(detail)).toContain('signing with ***');
    const steps = (detail as { steps: { name: string; status: string }[] }).steps;
    expect(steps.filter((s) => s.name === 'migrate-down' || s.name === 'hook').map((s) => s.status)).toEqual([
      'done',
      'done',
      'done',
      'done',
    ]);
    const delivered = await receiver.waitForAccepted(2, 20_000);
    expect(delivered[0]?.path).toMatch(/^\/hook\?api_key=/);

    const answers = [
      dry.stdout,
      undo.stdout,
      (await cli('report', rollback.id, '--json')).stdout,
      JSON.stringify(detail),
      await (await apiFetch(`${serve.url}/v1/rollbacks/${rollback.id}/report?format=md`, {}, admin())).text(),
      await (await apiFetch(`${serve.url}/v1/events?limit=5000`, {}, admin())).text(),
      await (await apiFetch(`${serve.url}/v1/db/status`, {}, admin())).text(),
      (await cli('db', 'backups', '--json')).stdout,
    ];
    for (const answer of answers) expect(answer).not.toContain(MARK);
    await waitFor('the report file', async () =>
      filesUnder(join(project.dir, 'state')).some((f) => f.path.endsWith('.md')),
    );
    for (const file of filesUnder(join(project.dir, 'state')))
      if (!file.path.includes('backups')) expect(file.text, file.path).not.toContain(MARK);
    for (const request of receiver.accepted()) expect(request.body).not.toContain(MARK);
    expect(serve.output()).not.toContain(MARK);
  });

  it('rewind validate masks values from the environment and refuses ones too short to mask', async () => {
    const bad = project.write(
      'bad.yaml',
      `version: 1
environments: { production: {} }
services:
  api:
    driver: { type: command, start: ["true"], shiftTraffic: ["true"], retire: ["true"] }
    health: { interval: "\${CDN_KEY}" }
notifications:
  channels:
    - { name: pager, type: pagerduty, routingKey: "\${SHORT}" }
`,
    );
    const result = await runCli(['validate', '-c', bad], { cwd: project.dir, env: { CDN_KEY, SHORT: 'abc' } });
    expect(result.code).toBe(2);
    expect(result.stdout + result.stderr).not.toContain(MARK);
    expect(result.stdout + result.stderr).toContain('health.interval');
    expect(result.stdout + result.stderr).toMatch(/SHORT holds 3 characters/);
  });
});
