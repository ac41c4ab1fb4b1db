import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APP_DIR, createHarness, demoService, getJson, release, type Harness } from './harness.js';

function gitAvailable(): boolean {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const hasGit = gitAvailable();
if (!hasGit) {
  if (process.env.CI === 'true') throw new Error('git is required for the git release tests in CI');
  console.warn('!!! SKIPPING git release tests: no `git` binary on PATH');
}

let harness: Harness;
let repo: string;
const git = (...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=Rewind Test', '-c', 'user.email=test@rewind.invalid', ...args], {
    cwd: repo,
    encoding: 'utf8',
  }).trim();

// The build counts its runs in a file outside the repository.
const BUILD_SCRIPT = `import { appendFileSync } from 'node:fs';
appendFileSync(process.env.BUILD_COUNTER, process.cwd() + '\\n');
`;

beforeEach(() => {
  harness = createHarness();
  repo = mkdtempSync(path.join(os.tmpdir(), 'rewind-repo-'));
});
afterEach(async () => {
  await harness.cleanup();
  rmSync(repo, { recursive: true, force: true });
});

describe.skipIf(!hasGit)('local driver: git releases', () => {
  it('builds each commit once in its own worktree and reuses it when going back', async () => {
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    copyFileSync(path.join(APP_DIR, 'server.js'), path.join(repo, 'server.js'));
    copyFileSync(path.join(APP_DIR, 'package.json'), path.join(repo, 'package.json'));
    writeFileSync(path.join(repo, 'build.js'), BUILD_SCRIPT);
    git('add', '.');
    git('commit', '-qm', 'first');
    const first = git('rev-parse', 'HEAD');
    writeFileSync(path.join(repo, 'CHANGES'), 'second\n');
    git('add', '.');
    git('commit', '-qm', 'second');
    const second = git('rev-parse', 'HEAD');

    const counter = path.join(harness.stateDir, 'builds.txt');
    const builds = (): string[] => (existsSync(counter) ? readFileSync(counter, 'utf8').trim().split('\n') : []);
    const driver = harness.driver(
      {
        web: demoService({
          cwd: '.',
          git: { repo, build: [process.execPath, 'build.js'] },
          env: { BUILD_COUNTER: counter },
        }),
      },
      { baseDir: harness.stateDir },
    );

    const r1 = release(1, first.slice(0, 10));
    await driver.start(r1);
    await driver.awaitReady(r1, 15_000);
    const tree1 = path.join(harness.stateDir, 'releases', first);
    expect(builds()).toEqual([tree1]);
    expect(existsSync(path.join(tree1, 'server.js'))).toBe(true);
    const port1 = driver.snapshot('web', 'test', 1)?.instances[0]?.port as number;
    expect((await getJson(port1)).body.release).toBe(first.slice(0, 10));

    const r2 = release(2, 'main');
    await driver.start(r2);
    await driver.awaitReady(r2, 15_000);
    expect(builds()).toEqual([tree1, path.join(harness.stateDir, 'releases', second)]);
    expect(existsSync(path.join(harness.stateDir, 'releases', second, 'CHANGES'))).toBe(true);

    // The rollback: back to the first commit, with its tree already built.
    await driver.retire(r1);
    await driver.retire(r2);
    const r3 = release(3, first);
    await driver.start(r3);
    await driver.awaitReady(r3, 15_000);
    expect(builds()).toHaveLength(2);

    await expect(driver.start(release(4, 'no-such-branch'))).rejects.toMatchObject({ code: 'GIT_VERSION' });
  });

  it('fails the start with the build output when the build fails, and retries the build next time', async () => {
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    copyFileSync(path.join(APP_DIR, 'server.js'), path.join(repo, 'server.js'));
    writeFileSync(path.join(repo, 'build.js'), "console.error('compile error: boom'); process.exit(3);\n");
    git('add', '.');
    git('commit', '-qm', 'broken build');
    const driver = harness.driver(
      { web: demoService({ cwd: '.', git: { repo, build: [process.execPath, 'build.js'] } }) },
      { baseDir: harness.stateDir },
    );

    const attempt = driver.start(release(1, 'main'));
    await expect(attempt).rejects.toMatchObject({ code: 'LOCAL_BUILD' });
    await expect(attempt).rejects.toThrow(/compile error: boom/);
    await expect(driver.start(release(1, 'main'))).rejects.toMatchObject({ code: 'LOCAL_BUILD' });
    expect((await driver.describe('web', 'test')).releases).toEqual([]);
  });
});
