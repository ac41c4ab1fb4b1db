/**
 * Turns the proxy bench's rows (one per target: direct, rewind switch, haproxy
 * router, nginx) into figures of each router with direct and nginx as baselines
 * and the goals: builtin ≥ 0.5× nginx's throughput; haproxy ≥ 0.9× nginx's
 * throughput and p99 ≤ 1.2× nginx's. CPU per request counts the proxy's own
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
  const figuresOf = (router: Row, label: string, throughputFactor: number, p99Factor: number | null): BenchFigure[] => {
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
      figure('throughput', 'req/s', 'req/s', goal(throughputFactor, 'req/s', 'at least')),
      figure('latency p50', 'p50 ms', 'ms'),
      figure('latency p99', 'p99 ms', 'ms', p99Factor === null ? [] : goal(p99Factor, 'p99 ms', 'at most')),
      {
        bench: 'proxy',
        figure: `${label}: failed requests`,
        value: Number(router.errors),
        unit: '',
        baselines: others.map((row) => ({ name: String(row.target), value: Number(row.errors) })),
        note: NOTE,
      },
      figure('CPU per request', 'CPU µs/req', 'µs'),
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
    ...(builtin ? figuresOf(builtin, 'builtin switch', 0.5, null) : []),
    ...(haproxy ? figuresOf(haproxy, 'haproxy router', 0.9, 1.2) : []),
  ];
}
