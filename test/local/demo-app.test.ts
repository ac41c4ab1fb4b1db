import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_DIR, eventually, getJson } from './harness.js';

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Starts the sample service on a kernel-chosen port and reads the port from its first line. */
async function startApp(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const child = spawn(process.execPath, [path.join(APP_DIR, 'server.js'), ...args], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on [\d.]+:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
  return { child, port, output: () => output };
}

describe('the sample service (examples/demo/app/server.js)', () => {
  it('answers with its release and pid, and its health checks', async () => {
    const { child, port } = await startApp(['--release', 'v7']);
    expect(await getJson(port)).toEqual({ status: 200, body: { release: 'v7', pid: child.pid, childPid: null } });
    expect((await getJson(port, '/health/live')).status).toBe(200);
    expect((await getJson(port, '/health/ready')).status).toBe(200);
    expect((await getJson(port, '/nope')).status).toBe(404);
  });

  it('fails about half of the requests with the error-rate fault', async () => {
    const { port } = await startApp(['--release', 'v2', '--fault', 'error-rate']);
    const answers = await Promise.all(Array.from({ length: 200 }, () => getJson(port)));
    const failed = answers.filter((a) => a.status === 500).length;
    expect(failed).toBeGreaterThan(60);
    expect(failed).toBeLessThan(140);
  });

  it('adds the configured latency and serves /slow', async () => {
    const { port } = await startApp(['--release', 'v2'], { FAULT: 'latency', FAULT_LATENCY_MS: '400' });
    let started = Date.now();
    await getJson(port);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    started = Date.now();
    expect((await getJson(port, '/slow?ms=300')).body.sleptMs).toBe(300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('crashes with code 1 after FAULT_AFTER_MS', async () => {
    const { child } = await startApp(['--release', 'v2'], { FAULT: 'crash', FAULT_AFTER_MS: '300' });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
  });

  it('turns unhealthy after FAULT_AFTER_MS and never-ready never passes ready', async () => {
    const unhealthy = await startApp(['--release', 'v2'], { FAULT: 'unhealthy', FAULT_AFTER_MS: '1500' });
    expect((await getJson(unhealthy.port, '/health/ready')).status).toBe(200);
    await eventually(
      'live to fail',
      async () => ((await getJson(unhealthy.port, '/health/live')).status === 503 ? true : undefined),
      10_000,
    );
    expect((await getJson(unhealthy.port, '/health/ready')).status).toBe(503);
    const never = await startApp(['--release', 'v2', '--fault=never-ready']);
    expect((await getJson(never.port, '/health/ready')).status).toBe(503);
    expect((await getJson(never.port, '/health/live')).status).toBe(200);
  });

  it('finishes in-flight requests on SIGTERM, then exits 0', async () => {
    const { child, port } = await startApp(['--release', 'v2']);
    const inFlight = getJson(port, '/slow?ms=500');
    await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill('SIGTERM');
    expect((await inFlight).status).toBe(200);
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });

  it('refuses an unknown fault', async () => {
    await expect(startApp(['--fault', 'meteor'])).rejects.toThrow(/unknown fault "meteor"/);
  });
});
