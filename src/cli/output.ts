/** Data to stdout, talk to stderr (STYLE.md §7). Colours only on a TTY, never with NO_COLOR. */
const useColor = (): boolean => Boolean(process.stderr.isTTY) && !('NO_COLOR' in process.env);

const paint = (code: number) => (text: string) => (useColor() ? `\u001b[${code}m${text}\u001b[0m` : text);
export const color = { red: paint(31), green: paint(32), yellow: paint(33), dim: paint(2), bold: paint(1) };

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLines(lines: string[]): void {
  if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
}

export function say(text: string): void {
  process.stderr.write(`${text}\n`);
}

export function table(rows: (string | number | null)[][], header: string[]): string[] {
  const all = [header, ...rows.map((r) => r.map((c) => (c === null ? '—' : String(c))))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => String(r[i] ?? '').length)));
  return all.map((r) =>
    r
      .map((c, i) => String(c ?? '').padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

export const time = (ms: number | null): string =>
  ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
