import type { Reporter, SerializedError, TestModule } from 'vitest/node';

/** What one run counted: a failed file or set-up is a failure, as vitest's exit status says. */
export interface Summary {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Counts a run: every test by its state, plus one failure for each file that
 * failed outside its tests (an import error, a failing `beforeAll`/`afterAll` at
 * file level), each suite whose own hooks failed, and each unhandled error.
 * Tests a failed set-up kept from running stay counted as skipped.
 */
export function summarize(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<SerializedError> = []): Summary {
  const summary: Summary = { passed: 0, failed: unhandled.length, skipped: 0 };
  for (const module of modules) {
    if (module.errors().length > 0) summary.failed += 1;
    for (const suite of module.children.allSuites()) if (suite.errors().length > 0) summary.failed += 1;
    for (const test of module.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') summary.passed += 1;
      else if (state === 'failed') summary.failed += 1;
      else summary.skipped += 1;
    }
  }
  return summary;
}

/** Ends the run with the plain line CI reads: `N passed, N failed, N skipped`. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<SerializedError>): void {
    const { passed, failed, skipped } = summarize(modules, unhandled);
    process.stdout.write(slowestFiles(modules));
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}

/** The files that took longest (tests and hooks), so a slow CI run says where its time went. */
export function slowestFiles(modules: ReadonlyArray<TestModule>, count = 12): string {
  const timed = modules
    .map((m) => ({ file: m.relativeModuleId, seconds: m.diagnostic().duration / 1000 }))
    .sort((a, b) => b.seconds - a.seconds);
  if (timed.length === 0) return '';
  const total = timed.reduce((sum, t) => sum + t.seconds, 0);
  const lines = timed.slice(0, count).map((t) => `  ${t.seconds.toFixed(0).padStart(5)} s  ${t.file}`);
  return `\nslowest files (all ${timed.length} files: ${total.toFixed(0)} s of tests and hooks)\n${lines.join('\n')}\n`;
}
