import { parseDuration } from '../../core/duration.js';
import { UserError } from '../../core/errors.js';
import type { DnsProvider } from '../../core/ports/dns.js';
import { createPowerDnsProvider } from '../../dns/powerdns/index.js';
import { createRfc2136Provider } from '../../dns/rfc2136/index.js';
import type { AppContext } from '../context.js';

/**
 * The provider of `dns[].name`. Errors leave through the app's redactor, so a
 * TSIG secret or an API key never reaches a journal line.
 */
export function buildDnsProvider(ctx: AppContext, name: string): DnsProvider {
  const config = ctx.loaded.config.dns.find((p) => p.name === name);
  if (!config) {
    const known = ctx.loaded.config.dns.map((p) => p.name).join(', ') || 'none';
    throw new UserError(
      'UNKNOWN_DNS_PROVIDER',
      `unknown DNS provider "${name}" (${ctx.loaded.file} declares: ${known})`,
    );
  }
  const timeoutMs = parseDuration(config.timeout);
  const provider =
    config.type === 'rfc2136'
      ? createRfc2136Provider({ ...config, timeoutMs, ...(config.tsig ? { tsig: config.tsig } : {}) })
      : createPowerDnsProvider({ ...config, timeoutMs });
  const masked = <T>(work: Promise<T>): Promise<T> =>
    work.catch((error: unknown) => {
      throw new Error(ctx.redact(error instanceof Error ? error.message : String(error)));
    });
  return {
    name: provider.name,
    type: provider.type,
    zone: provider.zone,
    replace: (records, options) => masked(provider.replace(records, options)),
    lookup: (recordName, type, options) => masked(provider.lookup(recordName, type, options)),
  };
}
