/**
 * Secret-looking values in config files are shown as `***`: the value of any key
 * whose name says secret, password, token, key, credential, private or auth, in
 * `.env` lines (`KEY=value`, `export KEY=value`), YAML (`key: value`) and JSON
 * (`"key": "value"`). Configured secrets are masked by value on top of this.
 */
const SECRET_NAME =
  /(secret|passw(or)?d|pwd|token|api[_-]?key|private[_-]?key|access[_-]?key|credential|auth|_key$|^key$)/i;

const PATTERNS: RegExp[] = [
  // KEY=value, export KEY=value
  /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_.-]*)(\s*=\s*)(.*)$/,
  // "key": "value" or "key": 123 (JSON)
  /^(\s*)"([^"]+)"(\s*:\s*)("(?:[^"\\]|\\.)*"|[^,{[\s][^,]*)(,?\s*)$/,
  // key: value (YAML)
  /^(\s*-?\s*)([A-Za-z_][A-Za-z0-9_.-]*)(\s*:\s+)(\S.*)$/,
];

export function maskLine(line: string): string {
  for (const pattern of PATTERNS) {
    const match = pattern.exec(line);
    if (!match) continue;
    const [, lead = '', name = '', sep = '', value = '', tail = ''] = match;
    if (!SECRET_NAME.test(name)) return line;
    const quoted = value.startsWith('"') ? '"***"' : '***';
    return `${lead}${pattern === PATTERNS[1] ? `"${name}"` : name}${sep}${value === '' ? '' : quoted}${tail}`;
  }
  return line;
}
