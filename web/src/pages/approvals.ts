import type { Approval } from '../../../src/core/model.js';
import type { Page } from '../main.js';
import { get, post, q } from '../api.js';
import { askReason } from '../dialog.js';
import { badge, fill, h, link, table } from '../dom.js';
import { countdown, time } from '../format.js';
import { refreshOn } from '../live.js';

const WHAT: Record<string, string> = {
  undo: 'manual rollback',
  rollback: 'automatic rollback',
  drill: 'drill',
  db: 'database change',
};
const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** Waiting decisions with their deadlines, and the ones already taken. */
export const approvalsPage: Page = (main, session) => {
  const pending = h('section', { 'aria-live': 'polite' });
  const decided = h('section');
  const mayDecide = (a: Approval) => session.may.approve?.includes(a.environment) ?? false;

  const actions = (a: Approval) => {
    // four eyes: whoever asked for a change in a protected environment cannot also approve it
    if (a.action !== 'rollback' && same(a.requestedBy, session.name)) {
      return h('p', { class: 'note four-eyes' }, 'You requested this: a second person must approve it.');
    }
    if (!mayDecide(a)) return h('p', { class: 'muted' }, `An approver for ${a.environment} must decide.`);
    const decide = (verb: 'approve' | 'reject', title: string) =>
      askReason({
        title: `${title}: ${a.service} in ${a.environment}`,
        text: a.reason,
        confirm: title,
        run: async (reason) => {
          await post(`/v1/approvals/${encodeURIComponent(a.id)}/${verb}`, { reason });
          void load();
        },
      });
    return h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', onclick: () => decide('approve', 'Approve') }, 'Approve'),
      h('button', { type: 'button', class: 'danger', onclick: () => decide('reject', 'Reject') }, 'Reject'),
    );
  };

  const load = async () => {
    const [open, done] = await Promise.all([
      get<Approval[]>('/v1/approvals'),
      get<Approval[]>(`/v1/approvals${q({ status: 'approved,rejected,timed-out' })}`),
    ]);
    fill(
      pending,
      h('h2', {}, `Pending (${open.length})`),
      open.length === 0 ? h('p', { class: 'muted' }, 'Nothing waits for a decision.') : null,
      ...open.map((a) =>
        h(
          'article',
          { class: 'card approval', 'data-approval': a.id },
          h(
            'h3',
            {},
            link(`#/service/${a.service}/${a.environment}`, a.service),
            ` in ${a.environment}: `,
            WHAT[a.action] ?? a.action,
          ),
          h('p', {}, a.reason),
          h(
            'p',
            { class: 'muted' },
            `requested by ${a.requestedBy} · `,
            h('span', { class: 'countdown', 'data-deadline': a.deadline }, countdown(a.deadline)),
            ` · then ${a.onTimeout}`,
          ),
          actions(a),
        ),
      ),
    );
    fill(
      decided,
      h('h2', {}, 'Decided'),
      table(
        ['service', 'env', 'status', 'by', 'reason', 'when'],
        done.map((a) => [
          a.service,
          a.environment,
          badge(a.status),
          a.decidedBy ?? '—',
          a.decisionReason ?? '',
          time(a.decidedAt),
        ]),
      ),
    );
  };
  fill(main, h('h1', {}, 'Approvals'), pending, decided);
  const fail = (e: Error) => fill(pending, h('p', { class: 'error' }, e.message));
  void load().catch(fail);
  const stop = refreshOn(
    (e) => e.type.startsWith('approval.') || e.type === 'decision.made',
    () => void load().catch(fail),
  );
  const tick = setInterval(() => {
    for (const el of pending.querySelectorAll<HTMLElement>('.countdown'))
      el.textContent = countdown(Number(el.dataset.deadline));
  }, 1000);
  return () => {
    stop();
    clearInterval(tick);
  };
};
