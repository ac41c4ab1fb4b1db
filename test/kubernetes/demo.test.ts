/**
 * `rewind demo --platform kubernetes` as a user runs it (the built CLI as a
 * subprocess): a blue-green rollback against the SIMULATED API server, exit 0.
 */
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../helpers/cli.js';

describe('rewind demo --platform kubernetes (simulated API server)', () => {
  it('deploys, refuses traffic to a crash-looping colour, rolls v2 back by flipping the selector, exits 0', async () => {
    const project = tempProject('rewind-kdemo-test-');
    try {
      const run = await runCli(['demo', '--platform', 'kubernetes', '--json'], { cwd: project.dir });
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as Record<string, unknown>;
      expect(result).toMatchObject({
        platform: 'kubernetes (simulated)',
        ok: true,
        rollbackStatus: 'succeeded',
        selector: { afterV2: 'green', afterRollback: 'blue' },
        pollsWithoutEndpoints: 0,
        deploys: [
          { version: 'crash1', outcome: 'failed' },
          { version: 'v2', outcome: 'promoted' },
        ],
      });
      expect(run.stderr).toContain('SIMULATED');
    } finally {
      project.cleanup();
    }
  }, 90_000);
});
