/**
 * Whether a watched release still serves (under analysis or live), asked by every
 * watch loop once a second. A thousand watches asking the store each for their
 * own release made a thousand queries a second; they share one read of every
 * serving release instead, at most `MAX_AGE_MS` old (the loops look only once a
 * second anyway). A release missing from it is looked up on its own (watch-checks.ts).
 */
import type { Release } from '../../core/model.js';
import type { AppContext } from '../context.js';

/** how old the shared read may be when a watch asks */
const MAX_AGE_MS = 500;

interface Board {
  at: number;
  ids: Promise<Set<string> | null>;
}

const boards = new WeakMap<object, Board>();

/** True when `release` served at the last shared read; false when it did not or the read failed. */
export async function servedAtLastLook(ctx: AppContext, release: Release): Promise<boolean> {
  const now = ctx.clock.now();
  let board = boards.get(ctx.root);
  if (!board || now - board.at >= MAX_AGE_MS || now < board.at) {
    const ids = ctx.store.releasesWithStatus(['analyzing', 'live']).then(
      (releases) => new Set(releases.map((r) => r.id)),
      // the caller then asks about its own release, and meets the store's error there
      () => null,
    );
    board = { at: now, ids };
    boards.set(ctx.root, board);
  }
  return (await board.ids)?.has(release.id) ?? false;
}
