/**
 * Making HAProxy's servers match the releases and weights asked for, over the
 * runtime API, with every answer checked (an answer that is not the success
 * HAProxy documents is an error, never ignored), and reading back what HAProxy
 * has to decide whether a change is done.
 */
import type { Clock } from '../../core/clock.js';
import { UserError } from '../../core/errors.js';
import { readJson, writeJson } from '../front-door/files.js';
import type { SavedWeights } from '../front-door/switch-config.js';
import type { Upstream } from '../types.js';
import { WeightTable } from '../weight-table.js';
import { BACKEND, SERVER_SETTINGS, desiredServers } from './haproxy-config.js';
import { checkWeights, parseServersState } from './server-state.js';

export interface ServerSyncInput {
  api: (command: string) => Promise<string>;
  clock: Clock;
  drainTimeoutMs: number;
}

export function createServerSync(input: ServerSyncInput) {
  const { api, clock } = input;
  const releases = new Map<number, Upstream[]>();
  /** servers HAProxy has now, by name → revision */
  const applied = new Map<string, number>();

  /** Runs a command whose success HAProxy answers with `ok` (an empty answer when undefined). */
  const checked = async (command: string, ok?: RegExp): Promise<string> => {
    const answer = await api(command);
    const fine = ok ? ok.test(answer) : answer.trim() === '';
    if (!fine) throw new Error(`haproxy answered "${answer.trim().slice(0, 300)}" to "${command.slice(0, 120)}"`);
    return answer;
  };

  const self = {
    releases,
    applied,
    table: WeightTable.empty,

    serverWeight(revision: number): number {
      const percent = self.table.weights[revision] ?? 0;
      const count = releases.get(revision)?.length ?? 1;
      return percent <= 0 ? 0 : Math.max(1, Math.min(256, Math.round((percent * 256) / 100 / count)));
    },

    /**
     * Makes HAProxy's servers match `releases` and `table` (idempotent; also after
     * a restart). Every release with weight has one server per instance; every
     * warm previous release (weight 0, older) is also there as `backup` servers,
     * which HAProxy uses only when no server with weight is up: a GET the dying
     * release could not answer goes to the warm one. Returns the revisions that
     * have no server any more (their telemetry can go).
     */
    async reconcile(): Promise<number[]> {
      const wanted = desiredServers(releases, self.table.weights);
      for (const [name, { revision, upstream, backup }] of wanted) {
        if (!applied.has(name)) {
          const weight = backup ? 1 : self.serverWeight(revision);
          await checked(
            `add server ${BACKEND}/${name} ${upstream.host}:${upstream.port}${backup ? ' backup' : ''} weight ${weight} ${SERVER_SETTINGS}`,
            /New server registered|Already exists/i,
          );
          await checked(`enable server ${BACKEND}/${name}`);
          await checked(`enable health ${BACKEND}/${name}`);
          applied.set(name, revision);
        } else {
          const answer = await api(`set server ${BACKEND}/${name} addr ${upstream.host} port ${upstream.port}`);
          if (/No such|Require|invalid|error/i.test(answer))
            throw new Error(`haproxy answered "${answer.trim()}" to set addr of ${name}`);
        }
      }
      // One batch: every weight changes in the same instant.
      const weights = [...wanted]
        .filter(([, { backup }]) => !backup)
        .map(([name, { revision }]) => `set server ${BACKEND}/${name} weight ${self.serverWeight(revision)}`);
      if (weights.length > 0) await checked(weights.join(';'));
      const forgotten: number[] = [];
      for (const [name, revision] of [...applied]) {
        if (wanted.has(name)) continue;
        await self.retire(name);
        if (!releases.has(revision) && ![...applied.values()].includes(revision)) forgotten.push(revision);
      }
      return forgotten;
    },

    /** Drains one server: no new requests, its sessions finish, then it goes. */
    async retire(name: string): Promise<void> {
      await api(`set server ${BACKEND}/${name} weight 0`);
      await api(`disable server ${BACKEND}/${name}`);
      const deadline = clock.now() + input.drainTimeoutMs;
      for (;;) {
        const answer = await api(`del server ${BACKEND}/${name}`);
        if (/deleted|No such server/i.test(answer)) break;
        if (clock.now() >= deadline) await api(`shutdown sessions server ${BACKEND}/${name}`);
        await clock.sleep(100);
      }
      applied.delete(name);
    },

    /** null when HAProxy's own server state shows what was asked, else what differs. */
    async verify(): Promise<string | null> {
      const servers = parseServersState(await api(`show servers state ${BACKEND}`), BACKEND);
      const wanted = desiredServers(releases, self.table.weights);
      const expected = new Map<string, number>();
      for (const [name, { revision, backup }] of wanted) if (!backup) expected.set(name, self.serverWeight(revision));
      const unwanted = [...servers.keys()].filter((name) => !wanted.has(name));
      return checkWeights(servers, expected, unwanted);
    },

    /**
     * Applies (`apply`) and reads back until HAProxy shows what was asked; a
     * UserError naming what differs once `timeoutMs` has passed.
     */
    async confirm(apply: () => Promise<unknown>, timeoutMs: number, what: string): Promise<void> {
      const deadline = clock.now() + timeoutMs;
      for (;;) {
        let problem: string | null;
        try {
          await apply();
          problem = await self.verify();
        } catch (error) {
          problem = error instanceof Error ? error.message : String(error);
        }
        if (problem === null) return;
        if (clock.now() >= deadline)
          throw new UserError(
            'FRONT_DOOR_UNCONFIRMED',
            `${what} did not confirm the change within ${timeoutMs} ms: ${problem}`,
            { status: 503 },
          );
        await clock.sleep(200);
      }
    },
  };
  return self;
}
export type ServerSync = ReturnType<typeof createServerSync>;

/*
 * The last servers and weights HAProxy was given, kept beside its run file
 * (`weights.json`, the same shape the builtin switch keeps): the router writes
 * them after every change HAProxy accepted, and HAProxy's supervisor puts them
 * back into a fresh HAProxy after a crash, so traffic returns where it was
 * with no controller running. Servers are added over the runtime API, not
 * written into haproxy.cfg, so nothing else would bring them back.
 */
export function saveServers(file: string, sync: ServerSync): void {
  const saved: SavedWeights = {
    releases: Object.fromEntries([...sync.releases].map(([revision, ups]) => [String(revision), ups])),
    weights: Object.fromEntries(Object.entries(sync.table.weights)),
  };
  writeJson(file, saved);
}

/** Loads `file` into `sync` (releases and weights); false when there is none or it cannot be read. */
export function loadServers(file: string, sync: ServerSync): boolean {
  const saved = readJson<SavedWeights>(file);
  if (!saved || typeof saved.releases !== 'object' || typeof saved.weights !== 'object') return false;
  sync.releases.clear();
  for (const [revision, ups] of Object.entries(saved.releases)) sync.releases.set(Number(revision), ups);
  const weights = Object.fromEntries(Object.entries(saved.weights).map(([revision, w]) => [Number(revision), w]));
  sync.table = WeightTable.from(weights, (revision) => (sync.releases.get(revision)?.length ?? 0) > 0);
  return true;
}

/** The saved servers as haproxy.cfg lines of the releases backend, so a fresh HAProxy has them from its first request. */
export function savedServerLines(sync: ServerSync): string[] {
  return [...desiredServers(sync.releases, sync.table.weights)].map(
    ([name, { revision, upstream, backup }]) =>
      `  server ${name} ${upstream.host}:${upstream.port}${backup ? ' backup' : ''} weight ${backup ? 1 : sync.serverWeight(revision)} ${SERVER_SETTINGS}`,
  );
}
