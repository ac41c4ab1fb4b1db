import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Real zsh and fish asked for completions the way a person's Tab asks them.
 * zsh: an interactive zsh on a pseudo-terminal (zsh's own zpty module) loads
 * the script with compinit, gets `<line><Tab>`, and a compadd wrapper writes the
 * matches it would offer to a file. fish: `complete -C '<line>'` after sourcing.
 */

/** The path of the zsh or fish binary, or null when the shell is not installed. */
export function shellBinary(shell: 'zsh' | 'fish'): string | null {
  const found = spawnSync('sh', ['-c', `command -v ${shell}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path && existsSync(path) ? path : null;
}

// the interactive zsh's startup: completion on, the script installed as `way` says, Tab captured
const ZSHRC = (way: 'fpath' | 'source') => `PS1='> '
bindkey -e
unsetopt automenu autolist listambiguous beep
${way === 'fpath' ? 'rewind completion zsh > $ZDOTDIR/_rewind; fpath=($ZDOTDIR $fpath)' : ':'}
autoload -Uz compinit && compinit -u -d $ZDOTDIR/.zcompdump
${way === 'source' ? 'source <(rewind completion zsh)' : ':'}
compadd() {
  local -a found
  builtin compadd -O found "$@"
  (( \${#found} )) && print -rl -- "\${found[@]}" >> $CAPTURE
  builtin compadd "$@"
}
capture-tab() { zle complete-word; print -r -- __done__ >> $CAPTURE; }
zle -N capture-tab
bindkey '^I' capture-tab
`;

// the outer, non-interactive zsh: types the line and Tab into the interactive one, waits for the capture
const DRIVE = `zmodload zsh/zpty
: > $CAPTURE
zpty z "zsh -i"
zpty -w -n z "$1"$'\\t'
for i in {1..600}; do
  grep -q __done__ $CAPTURE 2>/dev/null && break
  zpty -r -t z junk >/dev/null 2>&1
  sleep 0.05
done
zpty -d z
`;

/** What zsh offers on Tab after `line` (deduplicated, sorted), in `dir` with `path` first on PATH. */
export function zshComplete(dir: string, path: string, way: 'fpath' | 'source', line: string): string[] {
  const home = join(dir, `zsh-${way}`);
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, '.zshrc'), ZSHRC(way));
  writeFileSync(join(home, 'drive.zsh'), DRIVE);
  const capture = join(home, 'capture');
  const env = { ...process.env, PATH: `${path}:${process.env.PATH ?? ''}`, ZDOTDIR: home, CAPTURE: capture };
  const run = spawnSync('zsh', ['-f', join(home, 'drive.zsh'), line], { cwd: dir, env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`zsh exited ${run.status}: ${run.stderr}`);
  const lines = readFileSync(capture, 'utf8').split('\n');
  if (!lines.includes('__done__')) throw new Error(`zsh did not finish completing "${line}"`);
  return [...new Set(lines.filter((l) => l && l !== '__done__'))].sort();
}

/** What fish offers for `line` (`complete -C`), sorted, with the printed script sourced. */
export function fishComplete(dir: string, path: string, line: string): string[] {
  const env = { ...process.env, PATH: `${path}:${process.env.PATH ?? ''}` };
  const script = `rewind completion fish | source; complete -C ${JSON.stringify(line)}`;
  const run = spawnSync('fish', ['--no-config', '-c', script], { cwd: dir, env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`fish exited ${run.status}: ${run.stderr}`);
  // each line is a candidate, with a tab and its description when it has one
  return run.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t')[0] as string)
    .sort();
}
