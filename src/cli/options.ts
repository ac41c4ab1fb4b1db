import type { Command } from 'commander';

/** Options every command takes (DESIGN.md, CLI contract). */
export interface GlobalOptions {
  config: string;
  env?: string;
  json: boolean;
  controller?: string;
  /** API token; default `REWIND_TOKEN`, then `<stateDir>/admin.token` */
  token?: string;
  /** CA bundle for an HTTPS controller; default `REWIND_CA` */
  ca?: string;
  debug: boolean;
}

export function withGlobalOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'config file', process.env.REWIND_CONFIG ?? 'rewind.yaml')
    .option('--env <environment>', 'environment to act on')
    .option('--json', 'machine-readable output with stable field names', false)
    .option('--controller <url>', 'controller URL (default: http://<controller.listen>)')
    .option('--token <token>', 'API token (default: $REWIND_TOKEN, then <stateDir>/admin.token)')
    .option('--ca <file>', 'CA bundle to trust for an HTTPS controller (default: $REWIND_CA)')
    .option('--debug', 'print stack traces', false);
}
