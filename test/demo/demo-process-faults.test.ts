import { describe, expect, it } from 'vitest';
import { rolledBackWell, runDemoCli } from './demo-cli.js';

describe('rewind demo rolls back a v2 whose processes fail', () => {
  it('crash: restarts count as a signal and the release is rolled back', async () => {
    const run = await runDemoCli(['--fault', 'crash']);
    rolledBackWell(run, 'crash');
    expect(['restarts', 'errorRate']).toContain(run.json.trigger?.metric);
    expect(run.json.detectedAfterMs).toBeGreaterThanOrEqual(0);
    expect(run.json.detectedAfterMs).toBeLessThan(30_000);
    expect(run.json.trafficRestoredAfterMs).toBeLessThan(30_000);
  });

  it('unhealthy: failing health checks roll the release back', async () => {
    const run = await runDemoCli(['--fault', 'unhealthy']);
    rolledBackWell(run, 'unhealthy');
    expect(['healthCheckFailures', 'errorRate']).toContain(run.json.trigger?.metric);
    expect(run.json.detectedAfterMs).toBeGreaterThanOrEqual(0);
    expect(run.json.detectedAfterMs).toBeLessThan(30_000);
  });

  it('refuses an unknown fault with a usage error', async () => {
    const run = await runDemoCli(['--fault', 'gremlins']);
    expect(run.code).toBe(2);
    expect((run.json as unknown as { error: { message: string } }).error.message).toMatch(
      /unknown fault "gremlins": expected one of error-rate, latency, crash, unhealthy, none/,
    );
  });
});
