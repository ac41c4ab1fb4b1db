/**
 * Turns the proxy bench's rows (one per target: direct, rewind switch, nginx)
 * into figures of the switch with direct and nginx as its baselines.
 */
import type { Baseline, BenchFigure } from './bench-table.js';

type Row = Record<string, string | number>;

const NOTE = 'wrk keep-alive load, medians of interleaved rounds; upstream is one Node process';

export function proxyFigures(rows: Row[]): BenchFigure[] {
  const byTarget = (prefix: string): Row | undefined => rows.find((row) => String(row.target).startsWith(prefix));
  const rewind = byTarget('rewind');
  if (!rewind) return [];
  const others = [byTarget('direct'), byTarget('nginx')].filter((row): row is Row => row !== undefined);
  const figure = (name: string, column: string, unit: string): BenchFigure => ({
    bench: 'proxy',
    figure: name,
    value: Number(rewind[column]),
    unit,
    baselines: others.map((row): Baseline => ({ name: String(row.target), value: Number(row[column]) })),
    note: NOTE,
  });
  return [
    figure('throughput', 'req/s', 'req/s'),
    figure('latency p50', 'p50 ms', 'ms'),
    figure('latency p99', 'p99 ms', 'ms'),
    {
      bench: 'proxy',
      figure: 'failed requests',
      value: Number(rewind.errors),
      unit: '',
      baselines: others.map((row) => ({ name: String(row.target), value: Number(row.errors) })),
      note: NOTE,
    },
  ];
}
