import type { RewindEvent } from '../core/model.js';

/**
 * The story a person follows in the terminal (`deploy --watch`, the demo): one
 * line per event, each fact once. A decision restates the trigger that fired and
 * a rollback restates the decision; once that was told, their lines keep only
 * what is new (the action and rule; who rolls back what to what).
 */
export function createStoryTeller(): (event: RewindEvent) => string {
  const told = new Set<string>();
  return (event) => {
    const reason = typeof event.data.reason === 'string' ? event.data.reason : null;
    const trigger = typeof event.data.trigger === 'string' ? event.data.trigger : null;
    if (event.type === 'trigger.fired' && trigger) told.add(`trigger:${trigger}`);
    if (event.type === 'decision.made' && reason) {
      const known = trigger !== null && told.has(`trigger:${trigger}`);
      told.add(`reason:${reason}`);
      if (known) return withoutReason(event.message, reason);
    }
    if (event.type === 'rollback.initiated' && reason && told.has(`reason:${reason}`))
      return withoutReason(event.message, reason);
    return event.message;
  };
}

/** `decision: rollback (rule error-rate) — <reason>` → `decision: rollback (rule error-rate)` */
function withoutReason(message: string, reason: string): string {
  if (!message.endsWith(reason)) return message;
  return message.slice(0, message.length - reason.length).replace(/\s*(—|;|:)\s*$/, '');
}
