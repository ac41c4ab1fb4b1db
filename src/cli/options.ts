import { InvalidArgumentError, Option, type Command } from 'commander';

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
    .addOption(
      new Option('--env <environment>', 'environment to act on').argParser(nonEmpty('--env', 'an environment name')),
    )
    .option('--json', 'machine-readable output with stable field names', false)
    .addOption(
      new Option('--controller <url>', 'controller URL (default: http://<controller.listen>)').argParser(
        nonEmpty('--controller', 'a URL like http://127.0.0.1:7070'),
      ),
    )
    .addOption(
      new Option('--token <token>', 'API token (default: $REWIND_TOKEN, then <stateDir>/admin.token)').argParser(
        nonEmpty('--token', 'an API token'),
      ),
    )
    .option('--ca <file>', 'CA bundle to trust for an HTTPS controller (default: $REWIND_CA)')
    .option('--debug', 'print stack traces', false);
}

/** An option value that may not be empty: `--env ''` is a usage error, not an empty query. */
function nonEmpty(flag: string, what: string): (value: string) => string {
  return (value) => {
    if (value.trim() === '') throw new InvalidArgumentError(`${flag} needs ${what}, got an empty value`);
    return value;
  };
}
