/**
 * What the cases of a container rollback suite share: one engine, one project and
 * one controller (`rewind serve`), and the CLI as a user runs it. The cases run in
 * order on the same service.
 */
import type { Project, Serve } from '../helpers/cli.js';
import { runCli, waitFor } from '../helpers/cli.js';
import type { TestEngine } from '../harness/test-engine.js';

export interface Suite {
  engine: TestEngine;
  project: Project;
  serve: Serve | null;
  ports: { controller: number; front: number };
  /** how a release's artifact reads on this engine */
  pinned: RegExp;
  cli(...args: string[]): ReturnType<typeof runCli>;
  history(): Promise<{ revision: number; version: string; status: string; artifact: string | null }[]>;
  /** waits for a rollback to end; resolves its detail */
  rollbackDone(id: string): Promise<{ status: string }>;
}

/** One case: `run` asserts on the suite's shared service. */
export interface SuiteCase<Name extends string = string> {
  name: Name;
  title: string;
  timeout: number;
  run(s: Suite): Promise<void>;
}

export function createSuite(fields: Omit<Suite, 'cli' | 'history' | 'rollbackDone'>): Suite {
  const suite: Suite = {
    ...fields,
    cli: (...args) => runCli(args, { cwd: suite.project.dir }),
    history: async () =>
      JSON.parse((await suite.cli('history', 'web', '--json')).stdout) as Awaited<ReturnType<Suite['history']>>,
    rollbackDone: (id) =>
      waitFor(
        `rollback ${id} to finish`,
        async () => {
          const detail = JSON.parse((await suite.cli('rollback', 'show', id, '--json')).stdout) as { status: string };
          return detail.status === 'succeeded' || detail.status === 'failed' ? detail : null;
        },
        60_000,
        250,
      ),
  };
  return suite;
}
