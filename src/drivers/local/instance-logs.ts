/**
 * The output of a release's local instances for the incident report: each
 * instance appends to `<stateDir>/logs/<service>-<env>-r<revision>-<index>.log`
 * (Rewind's own `[rewind …]` notes on crashes and restarts included: they say
 * when an instance died). Only the end of a long file is read.
 */
import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { InstanceOutput, LogsOptions } from '../../core/ports/driver.js';
import { logFilePath } from './run-file.js';

/** The newest bytes of a log file read for the report. */
const TAIL_BYTES = 4 * 1024 * 1024;

function tailOf(file: string, maxLines: number): string[] {
  const size = statSync(file).size;
  const length = Math.min(size, TAIL_BYTES);
  const buffer = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  const lines = buffer.toString('utf8').split('\n');
  // a cut first line is only a piece of a line
  if (length < size) lines.shift();
  if (lines.at(-1) === '') lines.pop();
  return lines.map((l) => l.trimEnd()).slice(-maxLines);
}

export function instanceLogs(
  stateDir: string,
  release: { service: string; environment: string; revision: number },
  options: LogsOptions = {},
): InstanceOutput[] {
  const first = logFilePath(stateDir, release.service, release.environment, release.revision, 0);
  const directory = path.dirname(first);
  const prefix = path.basename(first).replace(/0\.log$/, '');
  let names: string[];
  try {
    names = readdirSync(directory).filter((n) => n.startsWith(prefix) && /^\d+\.log$/.test(n.slice(prefix.length)));
  } catch {
    return [];
  }
  const index = (n: string) => Number(n.slice(prefix.length, -'.log'.length));
  return names
    .sort((a, b) => index(a) - index(b))
    .map((name) => {
      try {
        return {
          instance: name.slice(0, -'.log'.length),
          lines: tailOf(path.join(directory, name), options.maxLines ?? 10_000),
        };
      } catch (error) {
        return { instance: name.slice(0, -'.log'.length), lines: [`(log unreadable: ${(error as Error).message})`] };
      }
    });
}
