import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failoverEpisode, type FailoverEpisode } from '../../bench/lib/failover-episode.js';
import type { PostgresHarness } from '../harness/postgres.js';
import { startPostgres } from '../harness/postgres.js';

// The failover figures are goals of the bench (`npm run bench -- failover`); here
// only bounds a busy machine keeps: a takeover well inside the 6 s lease proves the
// crashed leader's ended session, not the lease's expiry, handed the work over.
const KILLS = 10;
let harness: PostgresHarness | null = null;
beforeAll(async () => {
  harness = await startPostgres();
}, 120_000);
afterAll(async () => harness?.stop());

describe('failover on PostgreSQL when the leader dies', () => {
  it(`SIGKILL of the leader inside a 3 s step, ${KILLS} times: each time the follower resumes before the lease could expire, re-runs the step without overlap and finishes every step`, async (ctx) => {
    if (!harness) return ctx.skip();
    const episodes: FailoverEpisode[] = [];
    for (let i = 0; i < KILLS; i++) {
      const episode = await failoverEpisode(await harness.createDatabase(`failover_kill_${i}`));
      console.log(
        `failover ${i + 1}/${KILLS}: kill → takeover ${episode.takeoverMs} ms, → first journal write ${episode.firstJournalMs} ms, → rollback ${episode.status} ${episode.finishedMs} ms`,
      );
      episodes.push(episode);
    }
    for (const [i, episode] of episodes.entries()) {
      const run = `kill ${i + 1}: ${JSON.stringify(episode)}`;
      expect(episode.status, run).toBe('succeeded');
      expect(episode.overlapped, run).toBe(false);
      expect(episode.skipped, run).toEqual([]);
      expect(episode.takeoverMs, run).toBeLessThan(4_000);
      expect(episode.firstJournalMs, run).toBeLessThan(4_000);
      expect(episode.finishedMs, run).toBeLessThan(10_000);
    }
  }, 900_000);
});
