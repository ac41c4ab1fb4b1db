/**
 * "Proceed with rollback? (yes/no)": in an environment with `confirm: true`,
 * `rewind undo` asks on a terminal (a real pseudo-terminal through util-linux
 * `script`), refuses with exit 2 without one, and `--yes` skips the question.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { localProject } from '../local-app/harness.js';
import type { Project, Serve } from '../helpers/cli.js';
import { BIN, freePort, runCli, startServe, tempProject } from '../helpers/cli.js';

let project: Project | undefined;
let serve: Serve | undefined;
afterAll(async () => {
  await serve?.kill('SIGTERM');
  project?.cleanup();
});

/** Runs the CLI on a pseudo-terminal, typing `answer` into it. */
function onTerminal(args: string[], cwd: string, answer: string): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((done, fail) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let answered = false;
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (!answered && output.includes('[y/N]')) {
        answered = true;
        child.stdin.write(`${answer}\n`);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('error', fail);
    child.on('close', (code) => done({ code, output }));
  });
}

describe('confirmation', () => {
  it('asks on a terminal, refuses without one, --yes skips', async () => {
    project = tempProject('rewind-confirm-');
    const ports = { controller: await freePort(), front: await freePort() };
    localProject(project, ports, '    postRollback: { watch: 1s }\n');
    writeFileSync(
      project.config,
      readFileSync(project.config, 'utf8').replace(
        'environments: { production: {} }',
        'environments: { production: { confirm: true } }',
      ),
    );
    serve = await startServe(project, ports.controller);
    const dir = project.dir;
    const cli = (...args: string[]) => runCli(args, { cwd: dir });
    for (const version of ['v1', 'v2']) expect((await cli('deploy', 'web', version)).code).toBe(0);
    const rollbacks = async () => JSON.parse((await cli('rollbacks', '--json')).stdout) as unknown[];

    const piped = await cli('undo', 'web');
    expect(piped.code).toBe(2);
    expect(piped.stderr).toContain('environments.production.confirm');
    expect(piped.stderr).toContain('--yes');
    expect(await rollbacks()).toHaveLength(0);

    const no = await onTerminal(['undo', 'web'], dir, 'n');
    expect(no.output).toContain('Roll back web in production from v2 (r2) to v1 (r1)? [y/N]');
    expect(no.code).toBe(1);
    expect(await rollbacks()).toHaveLength(0);

    const yes = await onTerminal(['undo', 'web', '--wait-stable'], dir, 'y');
    expect(yes.code, yes.output).toBe(0);
    expect(await rollbacks()).toHaveLength(1);

    expect((await cli('deploy', 'web', 'v3')).code).toBe(0);
    const skipped = await cli('undo', 'web', '--yes', '--wait-stable');
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(await rollbacks()).toHaveLength(2);
  }, 90_000);

  it('undo --all asks the same way, naming every service it would move', async () => {
    const dir = project!.dir;
    const cli = (...args: string[]) => runCli(args, { cwd: dir });
    const rollbacks = async () => JSON.parse((await cli('rollbacks', '--json')).stdout) as unknown[];
    expect((await cli('deploy', 'web', 'v4')).code).toBe(0);

    const piped = await cli('undo', '--all');
    expect(piped.code).toBe(2);
    expect(piped.stderr).toContain('environments.production.confirm');
    expect(await rollbacks()).toHaveLength(2);

    const no = await onTerminal(['undo', '--all'], dir, 'n');
    expect(no.output).toMatch(
      /Roll back every service in production, dependents first: web v4 \(r\d+\) → v\d \(r\d+\)\? \[y\/N\]/,
    );
    expect(no.code).toBe(1);
    expect(await rollbacks()).toHaveLength(2);

    const yes = await onTerminal(['undo', '--all', '--wait-stable'], dir, 'y');
    expect(yes.code, yes.output).toBe(0);
    expect(await rollbacks()).toHaveLength(3);
  }, 90_000);
});
