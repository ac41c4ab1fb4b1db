/**
 * The four rows of a fault-to-recovery bench: detection and traffic restored,
 * each as median and max, against their goals (ms from the fault's start).
 */
import { quantile } from '../fault-restore.js';
import type { BenchFigure } from './bench-table.js';

export interface RecoveryGoals {
  detected: number;
  restored: number;
}

export function recoveryFigures(
  bench: string,
  prefix: string,
  series: { detected: number[]; restored: number[] },
  goals: RecoveryGoals,
  note: string,
): BenchFigure[] {
  const figure = (name: string, values: number[], q: number, goal: number): BenchFigure => ({
    bench,
    figure: `${prefix}${name}`,
    value: values.length === 0 ? null : quantile(values, q),
    unit: 'ms',
    baselines: [{ name: 'goal', value: goal, goal: 'at most' }],
    note,
  });
  return [
    figure('detection, median', series.detected, 0.5, goals.detected),
    figure('detection, max', series.detected, 1, goals.detected),
    figure('restored, median', series.restored, 0.5, goals.restored),
    figure('restored, max', series.restored, 1, goals.restored),
  ];
}
