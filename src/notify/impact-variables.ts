/**
 * Template variables from a rollback's measured impact, for the messages sent
 * after it (completed, escalated, failed): `failedRequests`, `totalRequests`,
 * `usersAffected` ("137 of 4,210 users affected (3.3%)"), `failingFeatures`
 * ("checkout: 120 users, 300 failed requests") and `impactLine`, the sentences
 * the default templates end with (each after a space; empty when nothing was counted). Only counts and hashes-free numbers: no user id
 * ever reaches this far.
 */

const count = (n: number): string => n.toLocaleString('en-US');
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

export function impactVariables(impact: unknown): Record<string, string> {
  if (typeof impact !== 'object' || impact === null) return {};
  const i = impact as Record<string, unknown>;
  if (i.measured !== true) return { impactLine: '' };
  const vars: Record<string, string> = {};
  const failed = num(i.failedRequests);
  const total = num(i.totalRequests);
  if (failed !== null) vars.failedRequests = count(failed);
  if (total !== null) vars.totalRequests = count(total);
  const users = typeof i.users === 'object' && i.users !== null ? (i.users as Record<string, unknown>) : null;
  const affected = num(users?.affected);
  const served = num(users?.served);
  if (affected !== null && served !== null) {
    const bound = num(users?.errorBound) ?? 0;
    const ratio = served === 0 ? 0 : affected / served;
    vars.usersAffected = `${count(affected)}${bound > 0 ? ` ±${count(bound)}` : ''} of ${count(served)} users affected (${(ratio * 100).toFixed(1)}%)`;
  }
  const features = Array.isArray(i.features) ? (i.features as Record<string, unknown>[]) : [];
  vars.failingFeatures = features
    .filter((f) => (num(f.failedRequests) ?? 0) > 0)
    .map(
      (f) =>
        `${String(f.name)}: ${vars.usersAffected !== undefined ? `${count(num(f.usersAffected) ?? 0)} users, ` : ''}${count(num(f.failedRequests) ?? 0)} failed requests`,
    )
    .join('; ');
  const sentences = [
    vars.usersAffected ? `Users affected: ${vars.usersAffected.replace(' users affected', ' served')}.` : '',
    vars.failingFeatures ? `Failing features: ${vars.failingFeatures}.` : '',
  ]
    .filter((s) => s !== '')
    .map((s) => ` ${s}`)
    .join('');
  vars.impactLine = sentences;
  return vars;
}
