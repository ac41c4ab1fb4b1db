import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STARTER_CONFIG } from '../../src/config/starter.js';
import { platformDriver } from '../helpers/configs.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject } from '../helpers/cli.js';

// What a new user meets on the way from `rewind init` to a first deploy: exit codes
// that agree with the docs, one YAML error instead of a cascade, audit rows that say
// what they acted on, and messages in the CLI's words. One controller for the file.
let project: Project;
let serve: Serve;
const cli = (args: string[], env: Record<string, string> = {}) =>
  runCli([...args, '-c', project.config, '--controller', serve.url], { cwd: project.dir, env });

beforeAll(async () => {
  project = tempProject('rewind-newcomer-');
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state }
environments:
  production: {}
  staging: {}
services:
  catalog:
    environments: [production]
${platformDriver()}    analysis: { duration: 0s }
    postRollback: { watch: 0s }
  shop:
    environments: [production]
${platformDriver('shop.json')}    analysis: { duration: 0s }
    postRollback: { watch: 5m }
`,
  );
  serve = await startServe(project, await freePort());
}, 60_000);

afterAll(async () => {
  // shop's 5-minute post-rollback watch is still running: no drain
  await serve?.kill('SIGKILL');
  project?.cleanup();
});

describe('exit codes agree with the docs, and the target is checked before anything is said', () => {
  it('an unknown service is a usage error (2) and nothing says "deploying"', async () => {
    const result = await cli(['deploy', 'catlog', 'v1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('service "catlog" not found');
    expect(result.stderr).not.toContain('deploying');
    const env = await cli(['deploy', 'catalog', 'v1', '--env', 'qa']);
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('unknown environment "qa"');
    expect(env.stderr).not.toContain('deploying');
  });

  it('deploying the version that is already live exits 2 over HTTP as in-process', async () => {
    const first = await cli(['deploy', 'catalog', 'v1', '--watch']);
    expect(first.code, first.stderr).toBe(0);
    const again = await cli(['deploy', 'catalog', 'v1']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already live');
  });
});

describe('messages in the CLI’s words', () => {
  it('a wrong token names --token and REWIND_TOKEN, not an HTTP header', async () => {
    const result = await cli(['status', 'catalog', '--token', 'rwd_wrong']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('pass --token or set REWIND_TOKEN');
    expect(result.stderr).not.toContain('Authorization');
  });

  it("--env '' and --controller notaurl are usage errors that say what was expected", async () => {
    const empty = await cli(['status', 'catalog', '--env', '']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('--env needs an environment name');
    expect(empty.stderr).not.toContain('querystring');
    const bad = await runCli(['status', 'catalog', '-c', project.config, '--controller', 'notaurl'], {
      cwd: project.dir,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--controller expects a URL like http://127.0.0.1:7070, got "notaurl"');
  });
});

describe('the audit log names what each call acted on', () => {
  it('a deploy row names the service, the environment and the version', async () => {
    await cli(['deploy', 'catalog', 'v2', '--watch']);
    const audit = await cli(['audit', '--json']);
    expect(audit.code, audit.stderr).toBe(0);
    const rows = JSON.parse(audit.stdout) as { service: string | null; environment: string | null; message: string }[];
    const deploy = rows.find((r) => r.message.startsWith('POST /v1/deploy catalog v2'));
    expect(deploy).toMatchObject({ service: 'catalog', environment: 'production' });
    expect(deploy?.message).toMatch(/^POST \/v1\/deploy catalog v2 in production by local-admin \(admin\): 200$/);
    const table = await cli(['audit']);
    expect(table.stdout).toContain('POST /v1/deploy catalog v2 in production');
  });
});

describe('a YAML syntax error is reported once, with its line and a caret', () => {
  it('one stray line: one error, the line as written and a caret under the column; exit 2', async () => {
    const lines = STARTER_CONFIG.split('\n');
    lines.splice(20, 0, ' this line is stray');
    const path = project.write('stray.yaml', lines.join('\n'));
    const result = await runCli(['validate', '-c', path], { cwd: project.dir });
    expect(result.code).toBe(2);
    const errors = result.stdout.split('\n').filter((l) => l.includes('stray.yaml:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/stray\.yaml:21:\d+ \(yaml\): YAML syntax error: /);
    expect(result.stdout).toContain('  21 |  this line is stray\n     | ^');
    const json = await runCli(['validate', '-c', path, '--json'], { cwd: project.dir });
    expect((JSON.parse(json.stdout) as { issues: unknown[] }).issues).toHaveLength(1);
  });
});

describe('status while the restored release is watched', () => {
  it('says traffic is back and how long the watch has left', async () => {
    for (const version of ['v1', 'v2']) {
      const deployed = await cli(['deploy', 'shop', version]);
      expect(deployed.code, deployed.stderr).toBe(0);
    }
    const started = await cli(['undo', 'shop', '--no-wait', '--json']);
    expect(started.code, started.stderr).toBe(0);
    const deadline = Date.now() + 30_000;
    let watching: { watchEndsAt: number | null } | null = null;
    while (!watching?.watchEndsAt && Date.now() < deadline) {
      watching = (
        JSON.parse((await cli(['status', 'shop', '--json'])).stdout) as {
          activeRollback: { watchEndsAt: number | null } | null;
        }
      ).activeRollback;
    }
    expect(watching?.watchEndsAt).toBeGreaterThan(Date.now());
    const shown = await cli(['status', 'shop']);
    expect(shown.stdout).toMatch(/rollback rb_\w+: traffic is back on r1, watched for another \d+s/);
  }, 60_000);
});
