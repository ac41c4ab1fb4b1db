/**
 * Git releases: the version is a commit-ish. Each commit gets its own
 * detached worktree under `<stateDir>/releases/<sha>` and is built there once; a
 * marker file beside the tree records the successful build, so going back to an
 * older commit — the rollback — reuses its tree and skips the build.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../core/errors.js';

export interface GitReleaseOptions {
  /** the repository to take commits from (absolute) */
  repo: string;
  /** `<stateDir>/releases` */
  releasesDir: string;
  /** argv run in the tree once; none when empty */
  build?: string[];
  /** environment of the build; default process.env */
  env?: NodeJS.ProcessEnv;
  /** receives progress lines for the journal */
  log?: (line: string) => void;
}

export interface GitRelease {
  /** the full commit sha */
  commit: string;
  /** the worktree to run from */
  dir: string;
  /** false when an earlier build of this commit was reused */
  built: boolean;
}

/** Keeps the tail of a build's output: enough to see why it failed. */
const OUTPUT_TAIL = 4000;
const MAX_BUFFER = 64 * 1024 * 1024;

function run(
  file: string,
  args: string[],
  cwd: string,
  env?: NodeJS.ProcessEnv,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env, maxBuffer: MAX_BUFFER }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      const spawnError = error && typeof error.code === 'string' ? `${error.message}\n` : '';
      resolve({ code, output: `${spawnError}${stdout}${stderr}` });
    });
  });
}

const tail = (text: string): string => (text.length > OUTPUT_TAIL ? `…${text.slice(-OUTPUT_TAIL)}` : text).trim();

/** The full sha of a commit-ish, or a UserError naming what was not found. */
export async function resolveCommit(repo: string, commitish: string): Promise<string> {
  if (commitish.startsWith('-'))
    throw new UserError('GIT_VERSION', `version ${JSON.stringify(commitish)} is not a commit-ish`);
  const result = await run('git', ['rev-parse', '--verify', '--quiet', `${commitish}^{commit}`], repo);
  const sha = result.output.trim();
  if (result.code !== 0 || !/^[0-9a-f]{40,64}$/.test(sha)) {
    throw new UserError(
      'GIT_VERSION',
      `version ${JSON.stringify(commitish)} is not a commit in ${repo}; push or fetch it first`,
    );
  }
  return sha;
}

// Two starts of the same commit must not both add the worktree or run the build.
const inProgress = new Map<string, Promise<GitRelease>>();

export function prepareGitRelease(commitish: string, options: GitReleaseOptions): Promise<GitRelease> {
  return (async () => {
    const commit = await resolveCommit(options.repo, commitish);
    const dir = path.join(options.releasesDir, commit);
    const running = inProgress.get(dir);
    if (running) return running;
    const work = checkoutAndBuild(commit, dir, options).finally(() => inProgress.delete(dir));
    inProgress.set(dir, work);
    return work;
  })();
}

async function checkoutAndBuild(commit: string, dir: string, options: GitReleaseOptions): Promise<GitRelease> {
  const log = options.log ?? (() => undefined);
  const marker = `${dir}.built`;
  if (!existsSync(path.join(dir, '.git'))) {
    mkdirSync(options.releasesDir, { recursive: true });
    // A tree left by an interrupted add is pruned first so `worktree add` can reuse the path.
    await run('git', ['worktree', 'prune'], options.repo);
    const added = await run('git', ['worktree', 'add', '--detach', dir, commit], options.repo);
    if (added.code !== 0) {
      throw new UserError('GIT_WORKTREE', `git worktree add for ${commit.slice(0, 12)} failed:\n${tail(added.output)}`);
    }
    log(`checked out ${commit.slice(0, 12)} into ${dir}`);
  }
  const build = options.build ?? [];
  if (existsSync(marker) || build.length === 0) return { commit, dir, built: false };
  const [file, ...args] = build;
  log(`building ${commit.slice(0, 12)}: ${build.join(' ')}`);
  const result = await run(file as string, args, dir, options.env);
  if (result.code !== 0) {
    throw new UserError(
      'LOCAL_BUILD',
      `build of ${commit.slice(0, 12)} (${build.join(' ')}) failed with code ${result.code}:\n${tail(result.output)}`,
      {
        details: { commit, output: tail(result.output) },
      },
    );
  }
  writeFileSync(marker, `${JSON.stringify({ commit, build, at: new Date().toISOString() })}\n`);
  return { commit, dir, built: true };
}
