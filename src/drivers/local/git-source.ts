/**
 * The source side of git releases: when a release's change was made (its commit
 * time, for the lead-time figure) and, with `git.revert`, putting the tracked
 * branch back on a good tree after a rollback — the branch head gets `git revert`
 * commits of the bad commits, so a pipeline or a GitOps tool that follows the
 * branch does not ship the bad change again. The revert is made in a scratch
 * worktree; the user's own checkout only moves forward when it is clean.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import type { Release } from '../../core/model.js';
import type { LocalDriverOptions } from './options.js';
import { serviceOptions } from './release-spec.js';

function git(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, out: `${stdout}${code === 0 ? '' : stderr}`.trim() });
    });
  });
}

async function must(args: string[], cwd: string, what: string): Promise<string> {
  const result = await git(args, cwd);
  if (result.code !== 0) throw new UserError('GIT_REVERT', `${what} failed: ${result.out.slice(-2000)}`);
  return result.out;
}

const commitOf = (release: Pick<Release, 'artifact' | 'version'>): string => release.artifact ?? release.version;

export function gitSourceMethods(options: LocalDriverOptions, baseDir: string) {
  const repoOf = (release: Pick<Release, 'service' | 'environment'>): string | null => {
    const service = serviceOptions(options, release.service, release.environment);
    return service.git ? path.resolve(baseDir, service.git.repo) : null;
  };
  return {
    /** the commit time of a git release, epoch ms; null for other releases */
    async changeTime(release: Release): Promise<number | null> {
      const repo = repoOf(release);
      if (!repo) return null;
      const result = await git(['show', '-s', '--format=%ct', `${commitOf(release)}^{commit}`], repo);
      const seconds = Number(result.out);
      return result.code === 0 && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null;
    },

    revertsSource(service: string, environment: string): boolean {
      return serviceOptions(options, service, environment).git?.revert === true;
    },

    /**
     * Reverts the commits in good..bad on the repository's current branch; returns
     * what it did. Idempotent: when the branch head's tree is already the good
     * tree, nothing is committed.
     */
    async revertSource(bad: Release, good: Release): Promise<string> {
      const repo = repoOf(bad);
      if (!repo) return 'not a git release: nothing to revert';
      const branch = await must(['symbolic-ref', '--quiet', '--short', 'HEAD'], repo, 'finding the tracked branch');
      const head = await must(['rev-parse', `refs/heads/${branch}`], repo, `reading ${branch}`);
      const goodCommit = await must(['rev-parse', `${commitOf(good)}^{commit}`], repo, 'reading the good commit');
      const badCommit = await must(['rev-parse', `${commitOf(bad)}^{commit}`], repo, 'reading the bad commit');
      const tree = (rev: string) => must(['rev-parse', `${rev}^{tree}`], repo, `reading the tree of ${rev}`);
      if ((await tree(head)) === (await tree(goodCommit)))
        return `${branch} already has the tree of ${goodCommit.slice(0, 12)}`;
      const reachable = await git(['merge-base', '--is-ancestor', badCommit, head], repo);
      if (reachable.code !== 0) return `${badCommit.slice(0, 12)} is not on ${branch}: nothing to revert`;
      const scratch = mkdtempSync(path.join(tmpdir(), 'rewind-revert-'));
      const dir = path.join(scratch, 'tree');
      try {
        await must(['worktree', 'add', '--detach', dir, head], repo, 'making a scratch worktree');
        const identity = ['-c', 'user.name=Rewind', '-c', 'user.email=rewind@localhost'];
        await must(
          [...identity, 'revert', '--no-edit', `${goodCommit}..${badCommit}`],
          dir,
          `git revert ${goodCommit.slice(0, 12)}..${badCommit.slice(0, 12)}`,
        );
        const reverted = await must(['rev-parse', 'HEAD'], dir, 'reading the revert');
        const clean = (await git(['status', '--porcelain', '--untracked-files=no'], repo)).out === '';
        // the user's checkout follows only when it has nothing of its own; the branch moves either way
        if (clean) await must(['merge', '--ff-only', reverted], repo, `fast-forwarding ${branch}`);
        else await must(['update-ref', `refs/heads/${branch}`, reverted, head], repo, `moving ${branch}`);
        return `${branch}: reverted ${goodCommit.slice(0, 12)}..${badCommit.slice(0, 12)} as ${reverted.slice(0, 12)}`;
      } finally {
        await git(['worktree', 'remove', '--force', dir], repo);
        rmSync(scratch, { recursive: true, force: true });
      }
    },
  };
}
