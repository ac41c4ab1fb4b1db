import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { rolledBackWell, runDemoCli } from './demo-cli.js';

const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

describe('rewind demo rolls back a faulty v2', () => {
  it('error-rate: rolled back within seconds, state kept with --state-dir, nothing left running', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rewind-demo-test-'));
    try {
      const run = await runDemoCli(['--fault', 'error-rate', '--state-dir', dir]);
      rolledBackWell(run, 'error-rate');
      const { json } = run;
      expect(json.trigger?.metric).toBe('errorRate');
      // sequential evidence: conclusive after tens of requests, not after a fixed `for`
      expect(json.detectedAfterMs).toBeGreaterThan(0);
      // a generous bound: the goal itself is a row of `npm run bench -- fault-restore`
      expect(json.detectedAfterMs).toBeLessThan(30_000);
      // Restored is after the last failed answer, which may precede the trigger's
      // event by a few lucky v2 answers (50 % errors) and the event's store write.
      expect(json.trafficRestoredAfterMs).toBeGreaterThanOrEqual(json.detectedAfterMs! - 250);
      expect(json.trafficRestoredAfterMs).toBeLessThan(30_000);
      // half of v2's answers failed until the flip, none after
      expect(json.failedRequests).toBeGreaterThan(5);
      expect(json.failedRequests).toBeLessThan(json.totalRequests * 0.2);
      expect(json.rollbackStatus).toBe('succeeded');
      expect(run.wallMs).toBeLessThan(60_000);
      // live progress went to stderr: weights, error rate, the rollback's steps
      expect(run.stderr).toMatch(/weights v\d 100%/);
      expect(run.stderr).toMatch(/errors \d+\.\d%/);
      expect(run.stderr).toMatch(/rollback .*shift-traffic/);
      // the story is for people: no controller log lines, no raw floats, each fact once
      expect(run.stderr).not.toMatch(/^\d{4}-\d\d-\d\dT/m);
      expect(run.stderr).not.toMatch(/\d\.\d{5,}/);
      expect(run.stderr).toMatch(/▸ decision: rollback \(rule [\w-]+\)$/m);
      expect(run.stderr.match(/fired: errorRate/g) ?? []).toHaveLength(0);
      expect(readFileSync(path.join(dir, 'state', 'logs', 'controller.log'), 'utf8')).toContain('leader with token');
      // the kept state is a normal Rewind state dir: the CLI reads the rollback from it
      const listed = spawnSync(
        process.execPath,
        ['bin/rewind.js', 'rollbacks', '-c', path.join(dir, 'rewind.yaml'), '--json'],
        { encoding: 'utf8' },
      );
      expect(listed.status).toBe(0);
      expect(listed.stdout).toContain(json.rollbackId!);
      // every process the demo started is gone
      const runDir = path.join(dir, 'state', 'run');
      const records = readdirSync(runDir, { withFileTypes: true }).filter((entry) => entry.name.endsWith('.json'));
      for (const record of records) {
        const { instances } = JSON.parse(readFileSync(path.join(runDir, record.name), 'utf8')) as {
          instances: { pid: number }[];
        };
        for (const instance of instances) expect(alive(instance.pid)).toBe(false);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('latency: rolled back on p95 latency', async () => {
    const run = await runDemoCli(['--fault', 'latency']);
    rolledBackWell(run, 'latency');
    expect(run.json.trigger?.metric).toBe('latencyP95Ms');
    // slow answers count at the age they have reached while still in flight, so the
    // p95 trigger needs neither the 1.5 s answers to finish nor the fault to be old
    expect(run.json.detectedAfterMs).toBeGreaterThan(0);
    // a generous bound: the goal itself is a row of `npm run bench -- fault-restore`
    expect(run.json.detectedAfterMs).toBeLessThan(30_000);
    expect(run.json.trafficRestoredAfterMs).toBeLessThan(30_000);
    expect(run.json.failedRequests).toBe(0);
  });

  it('none: promoted after analysis, no rollback, no failed request', async () => {
    const run = await runDemoCli(['--fault', 'none']);
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({
      outcome: 'promoted',
      fault: 'none',
      rollbackId: null,
      detectedAfterMs: null,
      failedRequests: 0,
    });
    expect(run.json.totalRequests).toBeGreaterThan(1000);
  });
});
