import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Project } from '../helpers/cli.js';
import { runCli, tempProject } from '../helpers/cli.js';

const SECRET = 's3cr3t-Token-4711';
let project: Project;
afterEach(() => project?.cleanup());

describe('secrets stay secret', () => {
  it('a token from the environment never reaches the journal, events, errors or the state files', async () => {
    project = tempProject();
    // the platform command prints its token and, on retire, fails with it in the message
    const say = (what: string) =>
      `["sh", "-c", "echo ${what} token=$API_TOKEN url=https://deploy:$API_TOKEN@example.invalid/x"]`;
    project.write(
      'rewind.yaml',
      `version: 1
controller: { stateDir: state, listen: "127.0.0.1:9" }
environments: { production: {} }
services:
  api:
    driver:
      type: command
      start: ${say('start')}
      shiftTraffic: ${say('shift')}
      retire: ["sh", "-c", "echo failing with $API_TOKEN >&2; exit 3"]
      env: { API_TOKEN: "\${API_TOKEN}" }
    postRollback: { watch: 0s }
`,
    );
    const env = { API_TOKEN: SECRET };
    const cli = (...args: string[]) => runCli(args, { cwd: project.dir, env });
    expect((await cli('deploy', 'api', 'v1')).code).toBe(0);
    expect((await cli('deploy', 'api', 'v2')).code).toBe(0);
    const undo = await cli('undo', 'api', '--json');
    const { rollback } = JSON.parse(undo.stdout);
    // retire fails with onFailure continue: the rollback still succeeds, the error is kept
    expect(rollback.status).toBe('succeeded');
    const retire = rollback.steps.find((s: { name: string }) => s.name === 'retire');
    expect(retire.status).toBe('failed');
    expect(retire.error).toContain('failing with ***');
    const shift = rollback.steps.find((s: { name: string }) => s.name === 'shift-traffic');
    expect(shift.output).toContain('token=***');
    expect(shift.output).toContain('https://deploy:***@example.invalid');

    const everything = [undo.stdout, undo.stderr, (await cli('rollback', 'show', rollback.id, '--json')).stdout];
    const events = await runCli(['rollbacks', '--json'], { cwd: project.dir, env });
    everything.push(events.stdout);
    for (const text of everything) expect(text).not.toContain(SECRET);
    for (const file of readdirSync(join(project.dir, 'state'))) {
      if (file.startsWith('state.db'))
        expect(readFileSync(join(project.dir, 'state', file)).includes(SECRET), file).toBe(false);
    }
  });
});
