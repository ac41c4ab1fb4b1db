import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderIncidentMarkdown } from './incident-markdown.js';
import type { IncidentReport } from './incident-report.js';

/** `<YYYY-MM-DD>-<service>-<rollback id>.md`, the date (UTC) of the rollback's creation. */
export function incidentFileName(report: IncidentReport): string {
  const date = new Date(report.summary.createdAt).toISOString().slice(0, 10);
  const safe = (text: string): string => text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'unknown';
  return `${date}-${safe(report.summary.service)}-${safe(report.summary.rollbackId)}.md`;
}

/**
 * Writes the Markdown report to `<stateDir>/incidents/<YYYY-MM-DD>-<service>-<id>.md`
 * and returns the path. Written to a temporary file and renamed, so a reader never
 * sees half a report; writing again replaces it (the report is rebuilt from data).
 */
export async function writeIncidentReport(stateDir: string, report: IncidentReport): Promise<string> {
  const directory = join(stateDir, 'incidents');
  await mkdir(directory, { recursive: true });
  const path = join(directory, incidentFileName(report));
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, renderIncidentMarkdown(report), 'utf8');
  await rename(temporary, path);
  return path;
}
