/**
 * A rollback that sticks in the source: with `git.revert: true` the rollback of a
 * git release commits `git revert` of the bad commits on the tracked branch, so
 * the branch head has the good tree again (a pipeline following the branch ships
 * nothing bad), and the delivery stats know the commit times (lead time).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject } from '../helpers/cli.js';
import { SAMPLE_APP, whoAnswers } from '../local-app/harness.js';

const hasGit = (() => {
  try {
    execFileSync('git', ['--version']);
    return true;
  } catch {
    return false;
  }
})();
if (!hasGit && process.env.CI !== 'true') console.warn('!!! SKIPPING the git revert test: git is not installed');

let project: Project;
let serve: Serve | null = null;
afterAll(async () => {
  await serve?.kill('SIGTERM');
  project?.cleanup();
});

describe.runIf(hasGit || process.env.CI === 'true')('git revert after a rollback', () => {
  it('leaves a revert commit on the branch whose tree is the good commit’s tree', async () => {
    project = tempProject('rewind-revert-');
    const repo = join(project.dir, 'repo');
    mkdirSync(repo);
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.email=t@example.invalid', '-c', 'user.name=t', ...args], { cwd: repo })
        .toString()
        .trim();
    git('init', '-q', '-b', 'main');
    copyFileSync(SAMPLE_APP, join(repo, 'server.js'));
    writeFileSync(join(repo, 'prices.json'), '{"discount": 0.1}\n');
    git('add', '.');
    git('commit', '-qm', 'good');
    const good = git('rev-parse', 'HEAD');
    writeFileSync(join(repo, 'prices.json'), '{"discount": 10}\n');
    git('commit', '-qam', 'bad: discount as a whole number');
    writeFileSync(join(repo, 'NOTES'), 'more of the bad change\n');
    git('add', 'NOTES');
    git('commit', '-qm', 'bad: part two');
    const bad = git('rev-parse', 'HEAD');

    const ports = { controller: await freePort(), front: await freePort() };
    project.write(
      'rewind.yaml',
      `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${ports.controller}" }
environments: { production: {} }
services:
  web:
    driver:
      type: local
      command: ["node", "server.js", "--release", "{version}"]
      listen: 127.0.0.1:${ports.front}
      stopTimeout: 2s
      git: { repo: ./repo, revert: true }
    health: { live: /health/live, ready: /health/ready, interval: 200ms }
    analysis: { duration: 0s }
    postRollback: { watch: 0s }
`,
    );
    serve = await startServe(project, ports.controller);
    const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
    expect((await cli('deploy', 'web', good)).code).toBe(0);
    expect((await cli('deploy', 'web', bad)).code).toBe(0);
    const undo = await cli('undo', 'web', '--yes', '--wait-stable', '--json');
    expect(undo.code, undo.stderr).toBe(0);
    expect(await whoAnswers(ports.front)).toBe(good);

    const head = git('rev-parse', 'main');
    expect(head).not.toBe(bad);
    expect(git('rev-parse', `${head}^{tree}`)).toBe(git('rev-parse', `${good}^{tree}`));
    expect(git('merge-base', '--is-ancestor', bad, head)).toBe('');
    // the user's clean checkout followed the branch
    expect(readFileSync(join(repo, 'prices.json'), 'utf8')).toBe('{"discount": 0.1}\n');
    expect(git('status', '--porcelain')).toBe('');
    const step = (JSON.parse(undo.stdout) as { rollback: { steps: { name: string; status: string }[] } }).rollback
      .steps;
    expect(step.find((s) => s.name === 'revert-source')?.status).toBe('done');

    // the bad commit is quarantined by its sha, and a short sha of it too
    expect((await cli('gate', 'web', bad.slice(0, 10))).code).toBe(5);
    const stats = JSON.parse((await cli('stats', '--json')).stdout) as { services: { leadTimeMs: number | null }[] };
    expect(stats.services[0]?.leadTimeMs).not.toBeNull();
  });
});
