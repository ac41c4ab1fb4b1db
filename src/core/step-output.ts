/** What the executor journals of a step: its output, bounded, and a timeout's message. */

const MAX_OUTPUT = 16_384;

/** A step's output as journaled: at most 16 KiB, saying how much was left out. */
export const clip = (text: string): string =>
  text.length > MAX_OUTPUT ? `${text.slice(0, MAX_OUTPUT)}\n… (${text.length - MAX_OUTPUT} more characters)` : text;

/** Every line of `output` was already logged by the step as it ran: journal it once, not twice. */
export const alreadyLogged = (logged: readonly string[], output: string): boolean =>
  output.split('\n').every((line) => !line.trim() || logged.some((l) => l.split('\n').includes(line)));

/** A step that did not finish within its time limit, with the last thing it logged. */
export class StepTimeout extends Error {
  constructor(ms: number, last?: string) {
    super(`step timed out after ${ms}ms${last ? ` (last: ${last})` : ''}`);
  }
}
