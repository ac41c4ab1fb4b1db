/**
 * The one table `npm run bench` prints (DESIGN.md "Measured, not assumed"): every
 * figure Rewind achieved with its baselines beside it — the same work done
 * directly, by nginx, by raw pg_dump/pg_restore, or the goal the issue sets.
 */

export interface Baseline {
  /** what the figure is compared with: `direct`, `nginx`, `pg_dump -j2`, `goal` */
  name: string;
  value: number;
  /** goals are limits ("≤ 1 s"), not measurements: shown as such */
  goal?: 'at most' | 'at least';
}

export interface BenchFigure {
  /** the bench module: `proxy`, `db`, `fault-restore` */
  bench: string;
  figure: string;
  /** Rewind's figure; null when it could not be measured */
  value: number | null;
  unit: string;
  baselines: Baseline[];
  /** a short note (load, rounds) shown after the table */
  note?: string;
}

function format(value: number, unit: string): string {
  if (unit === 's') return `${value.toFixed(2)} s`;
  if (unit === 'ms') return `${value >= 100 ? Math.round(value) : value.toFixed(2)} ms`;
  if (unit === 'req/s') return `${Math.round(value)} req/s`;
  return `${Number.isInteger(value) ? value : value.toFixed(2)}${unit ? ` ${unit}` : ''}`;
}

function versus(figure: BenchFigure, baseline: Baseline): string {
  if (figure.value === null) return '';
  if (baseline.goal) {
    const met = baseline.goal === 'at most' ? figure.value <= baseline.value : figure.value >= baseline.value;
    return met ? 'met' : 'NOT met';
  }
  if (baseline.value === 0) return '';
  const ratio = figure.value / baseline.value;
  return `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;
}

/** Rows as cells: one line per figure, its baselines side by side. */
export function tableCells(figures: BenchFigure[]): string[][] {
  const header = ['bench', 'figure', 'rewind', 'baselines (rewind vs baseline)'];
  const rows = figures.map((figure) => [
    figure.bench,
    figure.figure,
    figure.value === null ? 'n/a' : format(figure.value, figure.unit),
    figure.baselines
      .map((baseline) => {
        const shown = `${baseline.goal === 'at most' ? '≤ ' : baseline.goal === 'at least' ? '≥ ' : ''}${format(baseline.value, figure.unit)}`;
        const compared = versus(figure, baseline);
        return `${baseline.name} ${shown}${compared ? ` (${compared})` : ''}`;
      })
      .join(' · ') || '—',
  ]);
  return [header, ...rows];
}

/** Prints the figures as one aligned text table, then their notes. */
export function printBenchTable(figures: BenchFigure[], write: (line: string) => void = console.log): void {
  const cells = tableCells(figures);
  const widths = (cells[0] ?? []).map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]): string =>
    row
      .map((cell, column) => (column === 2 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  write(line(cells[0] ?? []));
  write(line(widths.map((width) => '-'.repeat(width))));
  for (const row of cells.slice(1)) write(line(row));
  const notes = [
    ...new Set(figures.map((figure) => (figure.note ? `${figure.bench}: ${figure.note}` : '')).filter(Boolean)),
  ];
  for (const note of notes) write(`  ${note}`);
}
