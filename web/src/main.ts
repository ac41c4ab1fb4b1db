import type { Session } from './api.js';
import { call, get, useSession } from './api.js';
import { fill, h, link } from './dom.js';
import { connectLive, disconnectLive } from './live.js';
import { approvalsPage } from './pages/approvals.js';
import { backupsPage } from './pages/backups.js';
import { deliveryPage } from './pages/delivery.js';
import { drillsPage } from './pages/drills.js';
import { incidentPage, incidentsPage } from './pages/incidents.js';
import { overviewPage } from './pages/overview.js';
import { rollbackPage } from './pages/rollback.js';
import { servicePage } from './pages/service.js';
import { signInPage } from './pages/sign-in.js';

/** A page draws into `main` and returns what to stop when the user leaves it. */
export type Page = (main: HTMLElement, session: Session, params: string[]) => () => void;

const routes: [RegExp, Page][] = [
  [/^\/?$/, overviewPage],
  [/^\/service\/([^/]+)\/([^/]+)$/, servicePage],
  [/^\/rollback\/([^/]+)$/, rollbackPage],
  [/^\/approvals$/, approvalsPage],
  [/^\/incidents$/, incidentsPage],
  [/^\/incident\/([^/]+)$/, incidentPage],
  [/^\/drills$/, drillsPage],
  [/^\/backups$/, backupsPage],
  [/^\/delivery$/, deliveryPage],
];

const top = document.getElementById('top')!;
const main = document.getElementById('main')!;
let session: Session | null = null;
let leave: () => void = () => undefined;
const liveState = h('span', { class: 'live', role: 'status' }, '');

function header(s: Session | null): void {
  if (!s) return fill(top, h('span', { class: 'brand' }, 'Rewind'));
  const here = location.hash.replace(/^#/, '') || '/';
  const nav = (href: string, text: string) =>
    link(`#${href}`, text, here === href || (href !== '/' && here.startsWith(href)) ? { 'aria-current': 'page' } : {});
  fill(
    top,
    h('a', { class: 'brand', href: '#/' }, 'Rewind'),
    h(
      'nav',
      { 'aria-label': 'Pages' },
      nav('/', 'Overview'),
      nav('/approvals', 'Approvals'),
      nav('/incidents', 'Incidents'),
      nav('/drills', 'Drills'),
      nav('/backups', 'Backups'),
      nav('/delivery', 'Delivery'),
    ),
    h(
      'div',
      { class: 'who' },
      liveState,
      h('span', { class: 'identity' }, `${s.name} · ${s.role}`),
      h('button', { type: 'button', class: 'secondary', onclick: () => void signOut() }, 'Sign out'),
    ),
  );
}

function route(): void {
  leave();
  leave = () => undefined;
  header(session);
  if (!session) {
    leave = signInPage(main, (s) => void started(s));
    return;
  }
  const path = decodeURI(location.hash.replace(/^#/, '')) || '/';
  for (const [pattern, page] of routes) {
    const match = pattern.exec(path);
    if (match) {
      leave = page(
        main,
        session,
        match.slice(1).map((p) => decodeURIComponent(p)),
      );
      return;
    }
  }
  fill(main, h('h1', {}, 'Not found'), h('p', {}, 'No page here. '), link('#/', 'Back to the overview'));
}

async function started(s: Session): Promise<void> {
  session = s;
  useSession(s, () => void signedOut());
  connectLive((state) => (liveState.textContent = state === 'live' ? '● live' : '○ reconnecting…'));
  route();
}

function signedOut(): void {
  session = null;
  useSession(null);
  disconnectLive();
  route();
}

async function signOut(): Promise<void> {
  await call('DELETE', '/v1/session').catch(() => undefined);
  signedOut();
}

async function boot(): Promise<void> {
  window.addEventListener('hashchange', route);
  // answered 200 either way: a signed-out visitor is not an error worth a red console line
  const current = await get<{ session: Session | null }>('/v1/session').catch(() => ({ session: null }));
  if (current.session) await started(current.session);
  else signedOut();
}

void boot();
