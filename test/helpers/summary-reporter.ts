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
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
