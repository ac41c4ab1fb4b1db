import type { Command } from 'commander';
import { userInfo } from 'node:os';

/** Options every command takes (DESIGN.md, CLI contract). */
export interface GlobalOptions {
  config: string;
  env?: string;
  json: boolean;
  controller?: string;
  /** who is acting, until auth lands */
  as: string;
  debug: boolean;
}

export function withGlobalOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'config file', process.env.REWIND_CONFIG ?? 'rewind.yaml')
    .option('--env <environment>', 'environment to act on')
    .option('--json', 'machine-readable output with stable field names', false)
    .option('--controller <url>', 'controller URL (default: http://<controller.listen>)')
    .option('--as <name>', 'who is acting (recorded in the audit log)', defaultActor())
    .option('--debug', 'print stack traces', false);
}

function defaultActor(): string {
  try {
    return process.env.REWIND_ACTOR ?? userInfo().username;
  } catch {
    return 'unknown';
  }
}
