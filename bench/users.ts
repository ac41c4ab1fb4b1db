/**
 * Counting users (docs/impact.md): the estimate's error against the truth, and
 * the throughput it costs each router — the same router with and without
 * `users:`/`features:`, under wrk sending an X-User-Id of 100,000 distinct users
 * (every request hashed: the switch keeps no cache of ids, and HAProxy's memory of
 * a connection's last id never hits), then one id per connection (HAProxy hashes
 * once per connection; the switch still per request).
 * Goal: at most 5 % of throughput. Throughput swings with whatever else runs on
 * the machine; the CPU each router's processes spend per request barely does, so
 * both are reported.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTrafficSwitch } from '../src/proxy/index.js';
import { createHaproxyRouter, findHaproxy } from '../src/proxy/haproxy/index.js';
import type { TrafficSwitch } from '../src/proxy/types.js';
import { DistinctSketch, RELATIVE_ERROR } from '../src/proxy/users/distinct-sketch.js';
import { createUserHasher } from '../src/proxy/users/user-identity.js';
import type { UserCounting } from '../src/proxy/users/user-identity.js';
import type { BenchFigure } from './lib/bench-table.js';
import { cpuMicros, selfMicros } from './lib/proxy-cpu.js';
import { hasWrk, runWrk } from './lib/wrk-load.js';

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** Median and worst relative error of the estimate over `runs` fresh secrets. */
function estimateError(users: number, runs: number): { median: number; worst: number } {
  const errors: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const hash = createUserHasher(randomBytes(32).toString('hex'));
    const sketch = new DistinctSketch();
    for (let i = 0; i < users; i += 1) sketch.add(hash(`user-${i}`));
    errors.push(Math.abs(sketch.estimate() - users) / users);
  }
  return { median: median(errors), worst: Math.max(...errors) };
}

function startUpstream(): Promise<{ port: number; stop(): void }> {
  const code = `require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) =>
    child.stdout.once('data', (chunk: Buffer) =>
      resolve({ port: Number(String(chunk).trim()), stop: () => child.kill() }),
    ),
  );
}

/** A router, and the CPU µs its processes have used so far (the switch is this process; HAProxy plus its log receiver here). */
type Made = [string, TrafficSwitch, () => number];

async function routers(upstream: number, users: UserCounting | undefined): Promise<Made[]> {
  const made: Made[] = [];
  const options = { host: '127.0.0.1', port: 0, ...(users ? { users } : {}) };
  made.push(['rewind switch', createTrafficSwitch(options), selfMicros]);
  if (findHaproxy() !== undefined) {
    const router = createHaproxyRouter(options);
    made.push(['haproxy router', router, () => cpuMicros(router.pid()) + selfMicros()]);
  }
  for (const [, router] of made) {
    await router.listen();
    router.setUpstreams(1, [{ host: '127.0.0.1', port: upstream }]);
    router.setWeights({ 1: 100 });
    await router.settled?.();
  }
  return made;
}

export async function usersBench(durationSeconds = 3, rounds = 5): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  for (const users of [1_000, 10_000, 100_000]) {
    const error = estimateError(users, 20);
    figures.push({
      bench: 'users',
      figure: `estimate error, ${users.toLocaleString('en-US')} users (median; worst of 20)`,
      value: error.median * 100,
      unit: '%',
      baselines: [
        { name: 'worst', value: error.worst * 100 },
        { name: 'reported bound (3 σ)', value: 3 * RELATIVE_ERROR * 100 },
      ],
    });
  }
  if (!hasWrk()) {
    console.warn('users bench: wrk is not installed (Debian package `wrk`); skipping the throughput rows');
    return figures;
  }
  const dir = mkdtempSync(join(tmpdir(), 'rewind-users-bench-'));
  // two shapes of load: a different id on almost every request of a connection (HAProxy's
  // per-connection memory of the last id never helps: the worst case), and one id on every
  // connection, as when each user keeps their own connection (it always helps)
  const shapes = [
    {
      label: '',
      load: '100,000 distinct X-User-Id values, a new one on nearly every request',
      id: '"u" .. math.random(1, 100000)',
    },
    { label: ', each connection one user', load: 'one X-User-Id on every connection', id: '"u42"' },
  ].map((shape, i) => {
    const script = join(dir, `users-${i}.lua`);
    writeFileSync(
      script,
      `request = function()\n  return wrk.format(nil, "/api/cart/x", { ["X-User-Id"] = ${shape.id} })\nend\n`,
    );
    return { ...shape, script };
  });
  const secretFile = join(dir, 'users.key');
  writeFileSync(secretFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  const upstream = await startUpstream();
  const plain = await routers(upstream.port, undefined);
  const counting = await routers(upstream.port, {
    key: { header: 'X-User-Id' },
    features: { checkout: '/api/cart/**', search: '/api/search/**' },
    secretFile,
  });
  try {
    for (const { label, load: shape, script } of shapes)
      for (let i = 0; i < plain.length; i += 1) {
        const [name, without, cpuWithout] = plain[i] as Made;
        const [, withUsers, cpuWith] = counting[i] as Made;
        const rates: { without: number[]; with: number[] } = { without: [], with: [] };
        const cpu: { without: number[]; with: number[] } = { without: [], with: [] };
        for (let round = 0; round < rounds; round += 1) {
          for (const [kind, router, used] of [
            ['without', without, cpuWithout],
            ['with', withUsers, cpuWith],
          ] as const) {
            const port = (await router.listen()).port;
            const before = used();
            const result = await runWrk(`http://127.0.0.1:${port}/`, { durationSeconds, script });
            rates[kind].push(result.requestsPerSecond);
            cpu[kind].push((used() - before) / Math.max(1, result.requests));
          }
        }
        const off = median(rates.without);
        const on = median(rates.with);
        const cpuOff = median(cpu.without);
        const cpuOn = median(cpu.with);
        const load = `wrk -t1 -c50, ${durationSeconds} s × ${rounds} interleaved rounds, ${shape}`;
        figures.push({
          bench: 'users',
          figure: `${name}: throughput cost of counting users${label}`,
          value: off > 0 ? ((off - on) / off) * 100 : null,
          unit: '%',
          baselines: [{ name: 'goal', value: 5, goal: 'at most' }],
          note: `${name}: median ${Math.round(off)} req/s without counting users, ${Math.round(on)} req/s with (rounds ${rates.without.map(Math.round).join('/')} and ${rates.with.map(Math.round).join('/')}); ${load}`,
        });
        figures.push({
          bench: 'users',
          figure: `${name}: CPU cost per request of counting users${label}`,
          value: cpuOff > 0 ? ((cpuOn - cpuOff) / cpuOff) * 100 : null,
          unit: '%',
          baselines: [{ name: 'goal', value: 5, goal: 'at most' }],
          note: `${name}: median ${cpuOff.toFixed(1)} µs CPU/request without counting users, ${cpuOn.toFixed(1)} with (rounds ${cpu.without.map((c) => c.toFixed(1)).join('/')} and ${cpu.with.map((c) => c.toFixed(1)).join('/')}); the router's own processes${name === 'haproxy router' ? ' (HAProxy, and the log receiver in this process)' : ' (this process)'}; ${shape}`,
        });
      }
  } finally {
    for (const [, router] of [...plain, ...counting]) await router.close();
    upstream.stop();
  }
  return figures;
}
