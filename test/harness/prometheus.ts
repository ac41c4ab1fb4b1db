/**
 * Starts Debian's real `prometheus` binary for tests (DESIGN.md "Real parts"):
 * a temp config and temp storage, 127.0.0.1 on a free port, scraping the
 * given targets every second. `REWIND_TEST_PROMETHEUS_BIN` overrides the path.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface PrometheusServer {
  url: string;
  port: number;
  /** the last lines Prometheus logged, for failure messages */
  logs(): string;
  stop(): Promise<void>;
}

/** The prometheus binary from the override, PATH or /usr/bin; null when absent. */
export function findPrometheus(): string | null {
  const override = process.env.REWIND_TEST_PROMETHEUS_BIN;
  if (override) return existsSync(override) ? override : null;
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs) {
    if (dir && existsSync(join(dir, 'prometheus'))) return join(dir, 'prometheus');
  }
  return null;
}

/**
 * The house rule for missing real parts: in CI (`CI=true`) a missing binary
 * fails the suite; elsewhere the tests are skipped with a loud warning.
 * Returns the binary, or null when the caller should skip.
 */
export function requirePrometheus(): string | null {
  const binary = findPrometheus();
  if (binary) return binary;
  const message = 'prometheus binary not found (apt-get install -y prometheus, or set REWIND_TEST_PROMETHEUS_BIN)';
  if (process.env.CI === 'true') throw new Error(`${message}: required in CI`);
  console.warn(`\n!!! SKIPPING Prometheus provider tests: ${message} !!!\n`);
  return null;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number, logs: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${logs()}`);
    try {
      const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`prometheus not ready after ${timeoutMs} ms:\n${logs()}`);
}

export async function startPrometheus(options: {
  binary: string;
  targets: string[];
  scrapeIntervalMs?: number;
}): Promise<PrometheusServer> {
  const dir = await mkdtemp(join(tmpdir(), 'rewind-prom-'));
  const interval = `${Math.round((options.scrapeIntervalMs ?? 1000) / 1000)}s`;
  const config = [
    'global:',
    `  scrape_interval: ${interval}`,
    `  evaluation_interval: ${interval}`,
    'scrape_configs:',
    '  - job_name: app',
    `    scrape_timeout: ${interval}`,
    '    static_configs:',
    `      - targets: [${options.targets.map((t) => JSON.stringify(t)).join(', ')}]`,
    '',
  ].join('\n');
  await writeFile(join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const child = spawn(
    options.binary,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await once(child, 'exit');
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child, 30_000, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, logs: () => output, stop };
}
