/**
 * Turns the proxy bench's rows (one per target: direct, rewind switch, haproxy
 * router, nginx) into figures of each router with direct and nginx as baselines
 * and the goals (of the front-door issue): builtin ≥ 0.6× nginx's throughput, p99
 * ≤ 2× and CPU per request ≤ 2.5×; haproxy ≥ 0.9× nginx's throughput, p99 ≤ 1.2×
 * and CPU per request ≤ 1.3×. CPU per request counts the proxy's own
 * processes (HAProxy plus Rewind's log receiver; the switch's process; nginx's
 * master and worker; the upstream for `direct`), which a busy machine barely moves.
 */
import type { Baseline, BenchFigure } from './bench-table.js';

type Row = Record<string, string | number>;

const NOTE = 'wrk keep-alive load, medians of interleaved rounds; upstream is one Node process';

export function proxyFigures(rows: Row[]): BenchFigure[] {
  const byTarget = (prefix: string): Row | undefined => rows.find((row) => String(row.target).startsWith(prefix));
  const nginx = byTarget('nginx');
  const others = [byTarget('direct'), nginx].filter((row): row is Row => row !== undefined);
  const goal = (factor: number, column: string, kind: 'at least' | 'at most'): Baseline[] =>
    nginx ? [{ name: `goal ${factor}× nginx`, value: factor * Number(nginx[column]), goal: kind }] : [];
  const figuresOf = (router: Row, label: string, factors: { throughput: number; p99: number; cpu: number }) => {
    const figure = (name: string, column: string, unit: string, goals: Baseline[] = []): BenchFigure => ({
      bench: 'proxy',
      figure: `${label}: ${name}`,
      value: Number(router[column]),
      unit,
      baselines: [
        ...others.map((row): Baseline => ({ name: String(row.target), value: Number(row[column]) })),
        ...goals,
      ],
      note: NOTE,
    });
    return [
      figure('throughput', 'req/s', 'req/s', goal(factors.throughput, 'req/s', 'at least')),
      figure('latency p50', 'p50 ms', 'ms'),
      figure('latency p99', 'p99 ms', 'ms', goal(factors.p99, 'p99 ms', 'at most')),
      {
        bench: 'proxy',
        figure: `${label}: failed requests`,
        value: Number(router.errors),
        unit: '',
        baselines: others.map((row) => ({ name: String(row.target), value: Number(row.errors) })),
        note: NOTE,
      },
      figure('CPU per request', 'CPU µs/req', 'µs', goal(factors.cpu, 'CPU µs/req', 'at most')),
      ...(router['telemetry counted'] === undefined
        ? []
        : [
            {
              bench: 'proxy',
              figure: `${label}: requests its telemetry counted`,
              value: Number(router['telemetry counted']),
              unit: '',
              baselines: [{ name: 'wrk saw', value: Number(router.requests) }],
              note: NOTE,
            },
          ]),
    ];
  };
  const builtin = byTarget('rewind');
  const haproxy = byTarget('haproxy');
  return [
    ...(builtin ? figuresOf(builtin, 'builtin switch', { throughput: 0.6, p99: 2, cpu: 2.5 }) : []),
    ...(haproxy ? figuresOf(haproxy, 'haproxy router', { throughput: 0.9, p99: 1.2, cpu: 1.3 }) : []),
  ];
}
