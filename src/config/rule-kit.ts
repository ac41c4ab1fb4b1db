/** What every cross-field rule is, and the defensive readers rules share. */
import type { RewindConfig } from './schema/index.js';
import type { Path } from './yaml-source.js';

/**
 * A cross-field check: returns every problem it finds, never stops at the first.
 * Rules also run on a file that failed the schema (to report everything at once),
 * so they read defensively: any section may be missing or malformed.
 */
export type Rule = (config: RewindConfig) => { path: Path; message: string; severity?: 'error' | 'warning' }[];

export type Problem = ReturnType<Rule>[number];

export const list = <T>(value: T[] | undefined | null): T[] => (Array.isArray(value) ? value : []);
export const entries = <T>(value: Record<string, T> | undefined | null): [string, T][] =>
  value && typeof value === 'object' ? Object.entries(value) : [];

export const duplicates = <T>(items: T[], key: (item: T) => string | undefined): number[] => {
  const seen = new Set<string>();
  const out: number[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    if (k === undefined) return;
    if (seen.has(k)) out.push(i);
    seen.add(k);
  });
  return out;
};
