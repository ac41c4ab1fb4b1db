import { join } from 'node:path';

/** The example platform script the command-driver tests drive. */
export const PLATFORM = join(import.meta.dirname, '../../examples/command-driver/platform.mjs');

/** The `driver:` block of a command-driver service using the example platform (indented for `services.<name>`). */
export function platformDriver(stateFile = 'platform.json', withDescribe = true): string {
  const op = (name: string, ...args: string[]) =>
    `["node", "${PLATFORM}", "${name}", ${args.map((a) => `"${a}"`).join(', ')}]`;
  return `    driver:
      type: command
      start: ${op('start', '{service}', '{env}', '{version}', '{revision}')}
      shiftTraffic: ${op('shift', '{service}', '{env}', '{version}', '{revision}', '{weight}')}
      retire: ${op('retire', '{service}', '{env}', '{version}', '{revision}')}
${withDescribe ? `      describe: ${op('describe', '{service}', '{env}')}\n` : ''}      env: { PLATFORM_STATE: ${stateFile}, API_TOKEN: "\${API_TOKEN:-}" }
`;
}
