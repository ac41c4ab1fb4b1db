import type { Command, Option } from 'commander';
import type { LoadedConfig } from '../../config/load.js';
import { loadConfig } from '../../config/load.js';
import { controllerUrl } from '../connect.js';
import { resolveToken } from '../credentials.js';
import { controllerReachable, createHttpApi } from '../http-client.js';

/** Values of flags that take a fixed set, when commander does not list them itself. */
const FLAG_VALUES: Record<string, readonly string[]> = {
  '--strategy': ['bluegreen', 'canary', 'rolling'],
  '--fault': ['error-rate', 'latency', 'crash', 'unhealthy', 'none'],
  '--platform': ['local', 'kubernetes'],
  '--format': ['md', 'json'],
  '--role': ['viewer', 'operator', 'approver', 'admin'],
};

/**
 * What may come next on `rewind <words…>`, the last word being the one typed so
 * far: commands, flags, flag values, services and environments from rewind.yaml,
 * and rollback or approval ids from the controller when one answers. The shell
 * filters by what was typed; an empty answer lets it complete file names.
 */
export async function candidates(program: Command, words: readonly string[]): Promise<string[]> {
  const typed = words.slice(0, -1);
  const current = words.at(-1) ?? '';
  let command = program;
  let positional = 0;
  for (let i = 0; i < typed.length; i += 1) {
    const word = typed[i] as string;
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub && positional === 0) {
      command = sub;
      continue;
    }
    if (word.startsWith('-')) {
      // its value: the next word, or the two after it when bash split `--flag=value` at the `=`
      if (optionOf(command, word)?.required && !word.includes('=')) i += typed[i + 1] === '=' ? 2 : 1;
      continue;
    }
    positional += 1;
  }
  const previous = typed.at(-1) === '=' ? typed.at(-2) : typed.at(-1);
  const valueOf = previous?.startsWith('-') ? optionOf(command, previous) : undefined;
  if (valueOf?.required) return flagValues(valueOf, words);
  // zsh and fish keep `--flag=val` as one word: the values come back with their flag
  const joined = current.startsWith('--') && current.includes('=') ? optionOf(command, current) : undefined;
  if (joined?.required) return (await flagValues(joined, words)).map((v) => `${current.split('=')[0]}=${v}`);
  if (current.startsWith('-')) return command.options.filter((o) => !o.hidden).flatMap(namesOf);
  if (command.commands.length > 0 && positional === 0)
    return command.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden).map((c) => c.name());
  const argument = command.registeredArguments[positional]?.name();
  return argument ? argumentValues(argument, command, words) : [];
}

function optionOf(command: Command, flag: string): Option | undefined {
  const name = flag.split('=')[0];
  return command.options.find((o) => o.long === name || o.short === name);
}

const namesOf = (option: Option): string[] => (option.long ? [option.long] : option.short ? [option.short] : []);

async function flagValues(option: Option, words: readonly string[]): Promise<string[]> {
  if (option.argChoices) return option.argChoices;
  const fixed = option.long ? FLAG_VALUES[option.long] : undefined;
  if (fixed) return [...fixed];
  if (option.long === '--env') return Object.keys(config(words)?.config.environments ?? {});
  if (option.long === '--service') return Object.keys(config(words)?.config.services ?? {});
  if (option.long === '--group') return Object.keys(config(words)?.config.groups ?? {});
  return []; // a file or free text: the shell's own completion
}

async function argumentValues(argument: string, command: Command, words: readonly string[]): Promise<string[]> {
  const loaded = config(words);
  if (argument === 'service') return Object.keys(loaded?.config.services ?? {});
  if (argument === 'env' || argument === 'environment') return Object.keys(loaded?.config.environments ?? {});
  if (argument === 'id' || argument === 'rollback-id') {
    const api = await controller(words, loaded);
    if (!api) return [];
    const name = command.name();
    if (name === 'approve' || name === 'reject') return (await api.approvals({})).map((a) => a.id);
    return (await api.rollbacks({ limit: 50 })).map((r) => r.id);
  }
  return [];
}

/** The config named by `-c`/`--config` on the line, else REWIND_CONFIG, else rewind.yaml; null when it does not load. */
function config(words: readonly string[]): LoadedConfig | null {
  const at = words.findIndex((w) => w === '-c' || w === '--config');
  const file = (at >= 0 ? words[at + 1] : undefined) ?? process.env.REWIND_CONFIG ?? 'rewind.yaml';
  try {
    return loadConfig(file);
  } catch {
    return null;
  }
}

/** The controller's API when one answers within 300 ms; completion never waits longer or runs anything in-process. */
async function controller(words: readonly string[], loaded: LoadedConfig | null) {
  const flag = (name: string) => {
    const at = words.indexOf(name);
    return at >= 0 ? words[at + 1] : undefined;
  };
  const options = {
    config: flag('-c') ?? flag('--config') ?? 'rewind.yaml',
    controller: flag('--controller'),
    token: flag('--token'),
  };
  try {
    const url = controllerUrl({ ...options, json: false, debug: false }, loaded);
    if (!(await controllerReachable(url, 300))) return null;
    return createHttpApi(url, resolveToken(options, loaded));
  } catch {
    return null;
  }
}
