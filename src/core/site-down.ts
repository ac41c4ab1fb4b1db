/** What the policy makes of a primary site that keeps failing its health check. */
export type SiteDownDecision =
  | { action: 'failover'; to: string; reason: string }
  | { action: 'ask'; to: string; reason: string }
  | { action: 'escalate'; reason: string };

/**
 * The runbook's "complete system failure" rule: move to the first healthy standby
 * (automatically, or by asking a human first — the default); when no standby is
 * healthy either, never fail over into another outage: escalate.
 */
export function decideSiteDown(input: {
  primary: string;
  failures: number;
  standbys: { name: string; healthy: boolean; detail: string }[];
  onSiteDown: 'ask' | 'failover';
}): SiteDownDecision {
  const down = `site ${input.primary} failed ${input.failures} health checks in a row`;
  const healthy = input.standbys.find((s) => s.healthy);
  if (!healthy) {
    const why = input.standbys.map((s) => `${s.name}: ${s.detail}`).join('; ') || 'no standby site declared';
    return { action: 'escalate', reason: `${down} and no standby is healthy (${why})` };
  }
  if (input.onSiteDown === 'failover')
    return { action: 'failover', to: healthy.name, reason: `${down}; failing over to healthy site ${healthy.name}` };
  return {
    action: 'ask',
    to: healthy.name,
    reason: `${down}; site ${healthy.name} is healthy — fail over with: rewind failover --to ${healthy.name}`,
  };
}
