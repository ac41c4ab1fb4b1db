import type { Action, Identity } from '../core/access.js';
import { can } from '../core/access.js';
import { UserError } from '../core/errors.js';

/**
 * A second check inside a route whose body asks for more than the route's own
 * action (a deploy that breaks the glass of a freeze). No identity: a public route
 * or an in-process call, which the route's own rule already decided.
 */
export function assertMay(identity: Identity | null, action: Action, environments: readonly string[] = []): void {
  if (!identity) return;
  const verdict = can(identity, action, environments);
  if (!verdict.ok) throw new UserError('FORBIDDEN', `this needs ${verdict.needed}`, { status: 403 });
}
