/**
 * Runs `rewind demo` as a user does: the built CLI (`npm run build` first, as
 * `npm test` does) in a subprocess, and reads its --json result.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/rewind.js');

export interface DemoJson {
  outcome: string;
  expected: string;
  ok: boolean;
  fault: string;
  detectedAfterMs: number | null;
  trafficRestoredAfterMs: number | null;
  switchFlippedAfterMs: number | null;
  failedRequests: number;
  totalRequests: number;
  rollbackId: string | null;
  rollbackStatus: string | null;
  trigger: { name: string; metric: string } | null;
  durationMs: number;
  notifications: {
    slack: number;
    pagerduty: number;
    webhook: number;
    webhookRejected: number;
    pagerdutyEvents: { action: string; dedupKey: string }[];
  };
  reportPath: string | null;
  usersAffected: { affected: number; served: number; errorBound: number } | null;
}

export interface DemoRun {
  code: number | null;
  json: DemoJson;
  stderr: string;
  wallMs: number;
}

/** `env` replaces the variables it names; one set to undefined is removed. */
export function runDemoCli(args: string[], env: Record<string, string | undefined> = {}): Promise<DemoRun> {
  if (!existsSync(path.join(ROOT, 'dist/cli/main.js')))
    throw new Error('dist/ is missing: run `npm run build` before these tests (npm test does)');
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'demo', ...args, '--json'], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve({ code, json: JSON.parse(stdout) as DemoJson, stderr, wallMs: Date.now() - started });
      } catch {
        reject(new Error(`rewind demo printed no JSON (exit ${code}):\n${stdout}\n${stderr}`));
      }
    });
  });
}

/** What every faulty run must show: rolled back, measured, within a minute. */
export function rolledBackWell(run: DemoRun, fault: string): void {
  const { json } = run;
  if (run.code !== 0 || json.outcome !== 'rolled-back' || json.fault !== fault || !json.ok) {
    throw new Error(
      `fault ${fault}: expected a rollback and exit 0, got exit ${run.code}:\n${JSON.stringify(json, null, 2)}\n${run.stderr}`,
    );
  }
}
