/**
 * The runbook's "Proceed with rollback? (yes/no)": environments marked
 * `confirm: true` ask on a terminal before anything changes; `--yes` skips the
 * question; without a terminal and without `--yes` the command refuses (exit 2)
 * rather than act unasked.
 */
import { createInterface } from 'node:readline/promises';
import { targetEnvironment } from '../app/context.js';
import type { LoadedConfig } from '../config/load.js';
import { ExitCode, UserError } from '../core/errors.js';

/**
 * The environment a command acts on, checked against the config before the
 * command says anything: an unknown service or environment is one usage error.
 */
export function defaultEnvironment(loaded: LoadedConfig | null, service: string, env?: string): string | null {
  if (!loaded) return env ?? null;
  return targetEnvironment(loaded, service, env);
}

export function needsConfirmation(loaded: LoadedConfig | null, environment: string | null): boolean {
  return Boolean(environment && loaded?.config.environments[environment]?.confirm);
}

const onTerminal = (): boolean => Boolean(process.stdin.isTTY && process.stderr.isTTY);

/** Asks `question` on the terminal; resolves true only for y / yes. Refuses without a terminal. */
export async function confirmOrRefuse(question: string, environment: string): Promise<boolean> {
  if (!onTerminal()) {
    throw new UserError(
      'CONFIRMATION_REQUIRED',
      `${environment} asks for confirmation (environments.${environment}.confirm) and there is no terminal to ask on: pass --yes`,
      { exitCode: ExitCode.usage },
    );
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`${question} [y/N] `);
    return /^(y|yes)$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}
