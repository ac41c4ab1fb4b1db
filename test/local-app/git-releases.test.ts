import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject } from '../helpers/cli.js';
import { SAMPLE_APP, whoAnswers } from './harness.js';

let project: Project;
let serve: Serve | null = null;
afterEach(async () => {
  await serve?.kill('SIGTERM');
  serve = null;
  project?.cleanup();
});

const hasGit = (() => {
  try {
    execFileSync('git', ['--version']);
    return true;
  } catch {
    return false;
  }
})();
if (!hasGit && process.env.CI !== 'true') console.warn('!!! SKIPPING git release tests: git is not installed');

describe.runIf(hasGit || process.env.CI === 'true')(
  'git releases (revert to the previous commit, rebuild, restart)',
  () => {
    it('deploys commits from worktrees, builds each once, and undo goes back without rebuilding', async () => {
      project = tempProject('rewind-git-');
      const repo = join(project.dir, 'repo');
      mkdirSync(repo);
      const git = (...args: string[]) =>
        execFileSync('git', ['-c', 'user.email=t@example.invalid', '-c', 'user.name=t', ...args], { cwd: repo })
          .toString()
          .trim();
      git('init', '-q');
      copyFileSync(SAMPLE_APP, join(repo, 'server.js'));
      git('add', '.');
      git('commit', '-qm', 'first');
      const first = git('rev-parse', 'HEAD');
      git('commit', '-q', '--allow-empty', '-m', 'second');
      const second = git('rev-parse', 'HEAD');

      const ports = { controller: await freePort(), front: await freePort() };
      const builds = join(project.dir, 'builds.log');
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
      instances: 1
      listen: 127.0.0.1:${ports.front}
      stopTimeout: 2s
      git: { repo: ./repo, build: ["sh", "-c", "echo built {version} >> ${builds}"] }
    health: { live: /health/live, ready: /health/ready, interval: 200ms }
    analysis: { duration: 0s }
    postRollback: { watch: 0s }
`,
      );
      serve = await startServe(project, ports.controller);
      const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
      expect((await cli('deploy', 'web', first)).code).toBe(0);
      expect(await whoAnswers(ports.front)).toBe(first);
      expect((await cli('deploy', 'web', second)).code).toBe(0);
      expect(await whoAnswers(ports.front)).toBe(second);
      expect(existsSync(join(project.dir, 'state', 'releases', first))).toBe(true);

      const undo = await cli('undo', 'web', '--json');
      expect(undo.code, undo.stderr).toBe(0);
      expect(await whoAnswers(ports.front)).toBe(first);
      // one build per commit: going back reused the first tree
      expect(readFileSync(builds, 'utf8').trim().split('\n')).toEqual([`built ${first}`, `built ${second}`]);
    });
  },
);
