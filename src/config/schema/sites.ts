import { z } from 'zod';
import { duration, hostPort, name } from './primitives.js';

const providerBase = {
  name: name('DNS provider').describe('referred to by `sites.<site>.records[].dns`'),
  zone: z.string().min(1).describe('the zone this provider changes, e.g. example.test'),
  timeout: duration('time limit of one request to the server or API').default('5s'),
};

/** A DNS provider: a zone Rewind may change when it fails over. */
export const dnsProviderSchema = z.discriminatedUnion('type', [
  z.strictObject({
    ...providerBase,
    type: z.literal('rfc2136'),
    server: hostPort('host:port of the zone’s primary authoritative server (updates go there)'),
    tsig: z
      .strictObject({
        name: z.string().min(1).describe('the key’s name, as in the server’s `key` clause'),
        algorithm: z
          .enum(['hmac-md5', 'hmac-sha1', 'hmac-sha224', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512'])
          .default('hmac-sha256')
          .describe('the key’s algorithm, as in the server’s `key` clause'),
        secret: z
          .string()
          .regex(/^[A-Za-z0-9+/]+=*$/, { error: 'expected the base64 secret (as tsig-keygen prints it)' })
          .describe('base64; write "${TSIG_SECRET}": it is masked everywhere'),
      })
      .optional()
      .describe('signs every update (RFC 8945); without it the server must allow updates by address'),
    transport: z.enum(['tcp', 'udp']).default('tcp').describe('how updates and verifying queries are sent'),
  }),
  z.strictObject({
    ...providerBase,
    type: z.literal('powerdns'),
    url: z
      .string()
      .regex(/^https?:\/\//, { error: 'expected an http:// or https:// URL' })
      .describe('PowerDNS’s API base URL, e.g. http://127.0.0.1:8081'),
    apiKey: z.string().min(1).describe('the API key (`api-key` in pdns.conf); write "${PDNS_API_KEY}"'),
    serverId: z.string().default('localhost').describe('the server id in the API path'),
    server: hostPort('host:port PowerDNS answers DNS on, for verifying; default the API’s host, port 53').optional(),
  }),
]);

export const recordType = z.enum(['A', 'AAAA', 'CNAME']);

/** One DNS name a site serves and the records that point at it. */
export const siteRecordSchema = z.strictObject({
  dns: z.string().describe('the `dns:` provider whose zone holds the name'),
  name: z.string().min(1).describe('the full name, e.g. app.example.test'),
  type: recordType.default('A').describe('the record type'),
  values: z
    .array(z.string().min(1))
    .min(1, { error: 'expected at least one value' })
    .describe('what the name points at while this site serves, e.g. its addresses'),
  ttl: z.number().int().min(0).max(86_400).default(60).describe('seconds'),
});

export const siteSchema = z.strictObject({
  health: z
    .strictObject({
      url: z
        .string()
        .regex(/^https?:\/\//, { error: 'expected an http:// or https:// URL' })
        .describe('the URL checked, answered by the site itself'),
      status: z.number().int().min(100).max(599).default(200).describe('the status a healthy site answers'),
      timeout: duration('time limit of one check').default('5s'),
    })
    .describe('how Rewind tells the site is up, like a smoke test'),
  records: z
    .array(siteRecordSchema)
    .min(1, { error: 'expected at least one record' })
    .describe('the DNS names this site serves and the values they get when it does'),
  restoreDatabase: z
    .string()
    .optional()
    .describe('a database of `databases:` put on its newest backup before traffic moves to this site'),
});

/** How failing over between `sites:` behaves. */
export const failoverSchema = z.strictObject({
  primary: z
    .string()
    .optional()
    .describe('the site that normally serves; default the site named "primary", else the first'),
  environment: z
    .string()
    .optional()
    .describe('the environment a failover acts on (tokens, approvals, targets); default the first declared'),
  onSiteDown: z
    .enum(['ask', 'failover'])
    .default('ask')
    .describe('when the primary’s health check keeps failing: ask a human (default) or fail over at once'),
  checkInterval: duration('how often the primary’s health is checked by `rewind serve`').default('10s'),
  failures: z.number().int().min(1).default(3).describe('consecutive failed checks that make the site down'),
  drill: z
    .array(
      z.strictObject({
        dns: z.string().describe('the `dns:` provider whose zone holds the name'),
        name: z.string().min(1).describe('the full name set aside for drills, e.g. drill.example.test'),
        type: recordType.default('A').describe('the record type'),
      }),
    )
    .default([])
    .describe('names set aside for `rewind drill --failover`: they get each site’s values, production names do not'),
});
