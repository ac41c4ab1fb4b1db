/**
 * The shell side of `rewind completion <shell>`: each script hands the words typed
 * so far to `rewind __complete` and offers what it prints, one candidate a line,
 * so commands, flags, services and ids come from the same definitions the CLI parses.
 */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

const BASH = `# rewind completion for bash: source it, or save it as
# /etc/bash_completion.d/rewind (or ~/.local/share/bash-completion/completions/rewind)
_rewind_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" IFS=$'\\n'
  local -a found
  found=($(rewind __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
  COMPREPLY=($(compgen -W "\${found[*]}" -- "$cur"))
}
complete -o default -o nosort -F _rewind_complete rewind
`;

const ZSH = `#compdef rewind
# rewind completion for zsh: save it as _rewind in a directory of $fpath, or source it
_rewind() {
  local -a found
  found=("\${(@f)$(rewind __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if (( \${#found[@]} )) && [[ -n "\${found[1]}" ]]; then
    compadd -Q -- "\${found[@]}"
  else
    _files
  fi
}
if [[ "\${funcstack[1]}" == _rewind ]]; then _rewind "$@"; else compdef _rewind rewind; fi
`;

const FISH = `# rewind completion for fish: save it as ~/.config/fish/completions/rewind.fish
function __rewind_complete
  set -l words (commandline -opc)[2..-1] (commandline -ct)
  set -l found (rewind __complete -- $words 2>/dev/null)
  if set -q found[1]
    printf '%s\\n' $found
  else
    # a file or free text: fish's own path completion
    __fish_complete_path (commandline -ct)
  end
end
complete -c rewind -f -a '(__rewind_complete)'
`;

export function completionScript(shell: Shell): string {
  return { bash: BASH, zsh: ZSH, fish: FISH }[shell];
}
