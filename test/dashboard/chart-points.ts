/// <reference lib="dom" />
import type { Locator } from 'playwright-core';
import { apiFetch } from '../helpers/api.js';
import { waitFor } from '../helpers/cli.js';

export interface DrawnColumn {
  label: string;
  /** the values uPlot draws (gaps left out) */
  values: number[];
}

export interface ChartComparison {
  /** the x values drawn, in epoch seconds */
  xs: number[];
  /** each release's drawn column as uPlot has it, nulls (holes) included */
  releaseColumns: { label: string; column: (number | null)[] }[];
  /** every second the API has a sample of any release, ascending (epoch ms) */
  sampledAt: number[];
  /** `r<revision>:<points>` per release, sorted; equal on the page and in the API */
  releases: string[];
  /** the threshold lines drawn, in order */
  lines: DrawnColumn[];
  thresholds: { metric: string; value: number }[];
  firedDrawn: number;
  firedApi: number;
}

const isRelease = (label: string) => /^r\d+$/.test(label);

/**
 * Reads what a chart really draws (its uPlot instance's data) and the API's
 * signals for the same window, and waits until the points per release agree: a
 * sample for a second that ended after the page asked may land in between.
 */
export async function compareChart(
  chart: Locator,
  signalsUrl: string,
  metric: string,
  project: { dir: string; stateDir?: string },
): Promise<ChartComparison> {
  return waitFor(
    `${signalsUrl} ${metric}: the page's points equal the API's`,
    async () => {
      const drawn = await chart.evaluate((el) => {
        const plot = (el as HTMLElement & { plot?: { series: { label?: string }[]; data: unknown[][] } }).plot!;
        return {
          from: el.dataset.from!,
          to: el.dataset.to!,
          fired: Number(el.dataset.fired),
          xs: plot.data[0] as number[],
          columns: plot.series.slice(1).map((s, i) => ({
            label: String(s.label),
            column: (plot.data[i + 1] as (number | null | undefined)[]).map((v) => v ?? null),
          })),
        };
      });
      const api = (await (await apiFetch(`${signalsUrl}&from=${drawn.from}&to=${drawn.to}`, {}, project)).json()) as {
        series: { revision: number; metric: string; at: number[] }[];
        thresholds: { metric: string; value: number }[];
        fired: { metric: string }[];
      };
      const expected = api.series
        .filter((s) => s.metric === metric)
        .map((s) => `r${s.revision}:${s.at.length}`)
        .sort();
      const columns = drawn.columns.map((c) => ({
        label: c.label,
        column: c.column,
        values: c.column.filter((v): v is number => v !== null),
      }));
      const releases = columns
        .filter((c) => isRelease(c.label))
        .map((c) => `${c.label}:${c.values.length}`)
        .sort();
      if (releases.join() !== expected.join()) return null;
      const mine = api.series.filter((s) => s.metric === metric);
      return {
        xs: drawn.xs,
        releaseColumns: columns.filter((c) => isRelease(c.label)).map(({ label, column }) => ({ label, column })),
        sampledAt: [...new Set(mine.flatMap((s) => s.at))].sort((a, b) => a - b),
        releases,
        lines: columns.filter((c) => !isRelease(c.label)).map(({ label, values }) => ({ label, values })),
        thresholds: api.thresholds.filter((t) => t.metric === metric),
        firedDrawn: drawn.fired,
        firedApi: api.fired.filter((f) => f.metric === metric).length,
      };
    },
    20_000,
    300,
  );
}
