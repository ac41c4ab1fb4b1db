import { Argument, type Command } from 'commander';
import { candidates } from '../completion/candidates.js';
import { completionScript, SHELLS, type Shell } from '../completion/scripts.js';

/**
 * `rewind completion bash|zsh|fish` prints the script to source; the script asks
 * `rewind __complete -- <words…>` (hidden) for the candidates, one a line.
 */
export function register(program: Command): void {
  program
    .command('completion')
    .description('print shell completion for bash, zsh or fish: source <(rewind completion bash)')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .action((shell: Shell) => {
      process.stdout.write(completionScript(shell));
    });
  program
    .command('__complete', { hidden: true })
    .description('completion candidates for the words typed so far')
    .argument('[words...]')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (words: string[]) => {
      const found = await candidates(program, words.length > 0 ? words : ['']).catch(() => []);
      if (found.length > 0) process.stdout.write(`${found.join('\n')}\n`);
    });
}
