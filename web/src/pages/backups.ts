import type { BackupView, DbStatusView } from '../../../src/app/db/db-api.js';
import type { Page } from '../main.js';
import { get, post, q } from '../api.js';
import { badge, fill, h, table } from '../dom.js';
import { time } from '../format.js';

interface Verified {
  id: string;
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string }[];
}

const size = (bytes: number) =>
  bytes > 1_048_576 ? `${(bytes / 1_048_576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} kB`;

const ago = (seconds: number) =>
  seconds < 120
    ? `${Math.round(seconds)} s`
    : seconds < 7200
      ? `${Math.round(seconds / 60)} min`
      : `${(seconds / 3600).toFixed(1)} h`;

/** The newest verified backup's age against the rpo (and its restore time against the rto), or why it cannot be read. */
function recoveryPoint(status: DbStatusView | Error): HTMLElement {
  if (status instanceof Error)
    return h('p', { class: 'recovery-point error' }, `Recovery point unknown: ${status.message}`);
  const b = status.backups;
  const state = b.rpoMet === null ? 'none' : b.rpoMet ? 'ok' : 'bad';
  return h(
    'p',
    { class: 'recovery-point', 'data-rpo-met': String(b.rpoMet) },
    b.rpoMet === null ? badge('no rpo', 'none') : badge(b.rpoMet ? 'rpo met' : 'rpo missed', state),
    ' Recovery point: ',
    b.latestVerified
      ? h('span', {}, h('code', {}, b.latestVerified), `, verified, ${ago(b.verifiedAgeSeconds ?? 0)} old`)
      : 'no verified backup',
    b.rpoSeconds === null ? '' : ` · RPO ${ago(b.rpoSeconds)}`,
    b.restoreSeconds === null ? '' : ` · restore ${b.restoreSeconds.toFixed(1)} s`,
    b.rtoSeconds === null ? '' : ` · RTO ${ago(b.rtoSeconds)}${b.rtoMet === false ? ' MISSED' : ''}`,
  );
}

/** The backup catalog per database, each under its recovery point; Verify re-checks every checksum and has the engine read the dump. */
export const backupsPage: Page = (main, session) => {
  const body = h('section');
  const mayVerify = (session.may['db.verify'] ?? []).length > 0;
  const verify = (database: string, backup: BackupView, cell: HTMLElement) => {
    fill(cell, 'verifying…');
    post<Verified>(`/v1/db/backups/${encodeURIComponent(backup.id)}/verify`, { database })
      .then((v) =>
        fill(
          cell,
          badge(v.ok ? 'verified' : 'damaged', v.ok ? 'ok' : 'bad'),
          h(
            'ul',
            { class: 'checks' },
            ...v.checks.map((c) => h('li', {}, c.ok ? '✓ ' : '✗ ', `${c.name}: ${c.detail}`)),
          ),
        ),
      )
      .catch((e: Error) => fill(cell, h('span', { class: 'error' }, e.message)));
  };
  const load = async () => {
    const { databases } = await get<{ databases: string[] }>('/v1/overview');
    if (!databases.length) return fill(body, h('p', { class: 'muted' }, 'No databases in rewind.yaml.'));
    const sections = await Promise.all(
      databases.map(async (database) => {
        const [backups, status] = await Promise.all([
          get<BackupView[]>(`/v1/db/backups${q({ database })}`).catch((e: Error) => e),
          get<DbStatusView>(`/v1/db/status${q({ database })}`).catch((e: Error) => e),
        ]);
        if (backups instanceof Error)
          return h('section', {}, h('h2', {}, database), h('p', { class: 'error' }, backups.message));
        return h(
          'section',
          { 'data-database': database },
          h('h2', {}, database),
          recoveryPoint(status),
          table(
            ['id', 'taken', 'kind', 'size', 'purpose', 'guards', 'verified', 'check'],
            backups.map((b) => {
              const cell = h('div', { class: 'verify' });
              if (mayVerify)
                cell.append(
                  h(
                    'button',
                    { type: 'button', class: 'secondary', onclick: () => verify(database, b, cell) },
                    'Verify',
                  ),
                );
              return [
                h('code', {}, b.id),
                time(b.createdAt),
                b.kind,
                size(b.sizeBytes),
                b.purpose,
                b.guards ? `${b.guards.service}/${b.guards.environment} r${b.guards.revision}` : '—',
                badge(b.verification.status, b.verification.status === 'passed' ? 'ok' : b.verification.status),
                cell,
              ];
            }),
          ),
        );
      }),
    );
    fill(body, ...sections);
  };
  fill(main, h('h1', {}, 'Backups'), body);
  void load().catch((e: Error) => fill(body, h('p', { class: 'error' }, e.message)));
  return () => undefined;
};
