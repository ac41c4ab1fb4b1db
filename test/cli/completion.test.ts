import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformDriver } from '../helpers/configs.js';
import type { Project, Serve } from '../helpers/cli.js';
import { BIN, freePort, runCli, startServe, tempProject } from '../helpers/cli.js';
import { requirePart } from '../harness/free-port.js';
import { fishComplete, shellBinary, zshComplete } from './shells.js';

// Completion as a user gets it: the script `rewind completion <shell>` prints, loaded
// into a real bash, zsh and fish, asked for each position.
let project: Project;
let serve: Serve;
let bin: string;

beforeAll(async () => {
  project = tempProject('rewind-completion-');
  const port = await freePort();
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${port}" }
environments:
  production: { protected: true }
  staging: {}
services:
  api:
${platformDriver()}    analysis: { duration: 0s }
    postRollback: { watch: 0s }
`,
  );
  bin = join(project.dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'rewind'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(bin, 'rewind'), 0o755);
  serve = await startServe(project, port);
}, 60_000);

afterAll(async () => {
  await serve?.kill();
  project?.cleanup();
});

/** COMPREPLY of the sourced script for `rewind <words…>`, the last word being the one typed so far. */
function complete(...words: string[]): string[] {
  const line = ['rewind', ...words].map((w) => `'${w}'`).join(' ');
  const script = `source <(rewind completion bash)
COMP_WORDS=(${line}); COMP_CWORD=${words.length}
_rewind_complete
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = spawnSync('bash', ['-c', script], {
    cwd: project.dir,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
    encoding: 'utf8',
  });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.split('\n').filter(Boolean);
}

describe('rewind completion bash', () => {
  it('completes commands, flags and flag values', () => {
    expect(complete('dep')).toEqual(['deploy']);
    expect(complete('db', 'rest')).toEqual(['restore']);
    expect(complete('deploy', 'api', 'v1', '--wa')).toEqual(['--watch', '--wait-stable']);
    expect(complete('deploy', 'api', 'v1', '--strategy', 'c')).toEqual(['canary']);
    // bash splits `--strategy=c` at the `=` (COMP_WORDBREAKS)
    expect(complete('deploy', 'api', 'v1', '--strategy', '=', 'c')).toEqual(['canary']);
  });

  it('completes services and environments from rewind.yaml', () => {
    expect(complete('deploy', '')).toEqual(['api']);
    expect(complete('undo', 'api', '--env', '')).toEqual(['production', 'staging']);
  });

  it('completes approval and rollback ids from the controller', async () => {
    const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
    expect((await cli('deploy', 'api', 'v1', '--env', 'staging')).code).toBe(0);
    expect((await cli('deploy', 'api', 'v2', '--env', 'staging')).code).toBe(0);
    expect((await cli('deploy', 'api', 'v1', '--env', 'production')).code).toBe(0);
    expect((await cli('deploy', 'api', 'v2', '--env', 'production')).code).toBe(0);
    const undone = await cli('undo', 'api', '--env', 'staging', '--json');
    expect(undone.code, undone.stderr).toBe(0);
    const rollbackId = (JSON.parse(undone.stdout) as { rollback: { id: string } }).rollback.id;
    // production is protected: the undo waits for a second person
    const asked = await cli('undo', 'api', '--env', 'production', '--json');
    const approvalId = (JSON.parse(asked.stdout) as { approval: { id: string } }).approval.id;
    expect(complete('approve', '')).toEqual([approvalId]);
    expect(complete('rollback', 'show', '')).toContain(rollbackId);
    expect(complete('report', rollbackId.slice(0, 5))).toContain(rollbackId);
  }, 60_000);

  it('zsh and fish scripts are printed too; another shell is a usage error', async () => {
    const zsh = await runCli(['completion', 'zsh'], { cwd: project.dir });
    expect(zsh.stdout).toContain('compdef _rewind rewind');
    const fish = await runCli(['completion', 'fish'], { cwd: project.dir });
    expect(fish.stdout).toContain("complete -c rewind -f -a '(__rewind_complete)'");
    expect((await runCli(['completion', 'tcsh'], { cwd: project.dir })).code).toBe(2);
  });
});

/** The same answers from every shell: what each is asked and what it must offer. */
async function sameAnswers(ask: (line: string) => string[]): Promise<void> {
  expect(ask('rewind dep')).toEqual(['deploy']);
  expect(ask('rewind db rest')).toEqual(['restore']);
  expect(ask('rewind deploy api v1 --wa')).toEqual(['--wait-stable', '--watch']);
  expect(ask('rewind deploy api v1 --strategy c')).toEqual(['canary']);
  expect(ask('rewind deploy api v1 --strategy=c')).toEqual(['--strategy=canary']);
  expect(ask('rewind deploy ')).toEqual(['api']);
  expect(ask('rewind undo api --env ')).toEqual(['production', 'staging']);
  expect(ask('rewind undo api --env s')).toEqual(['staging']);
  // a file argument falls back to the shell's own file names
  expect(ask('rewind validate -c rewind.y')).toEqual(['rewind.yaml']);
  // ids from the controller (the rollback and the approval made above)
  const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
  const approvals = JSON.parse((await cli('approvals', '--json')).stdout) as { id: string }[];
  expect(approvals).toHaveLength(1);
  expect(ask('rewind approve ')).toEqual(approvals.map((a) => a.id));
  const [rollback] = JSON.parse((await cli('rollbacks', '--json')).stdout) as { id: string }[];
  expect(ask(`rewind report ${rollback?.id.slice(0, 5) ?? ''}`)).toContain(rollback?.id);
}

describe('rewind completion zsh, in a real zsh', () => {
  for (const way of ['fpath', 'source'] as const)
    it(`installed through ${way}: commands, flags, values, files and ids`, async (ctx) => {
      requirePart(ctx, shellBinary('zsh'), 'Debian zsh (/usr/bin/zsh)');
      await sameAnswers((line) => zshComplete(project.dir, bin, way, line));
    }, 300_000);
});

describe('rewind completion fish, in a real fish', () => {
  it('commands, flags, values, files and ids', async (ctx) => {
    requirePart(ctx, shellBinary('fish'), 'Debian fish (/usr/bin/fish)');
    await sameAnswers((line) => fishComplete(project.dir, bin, line));
  }, 300_000);
});
