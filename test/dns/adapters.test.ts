import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRfc2136Provider } from '../../src/dns/rfc2136/index.js';
import { createPowerDnsProvider } from '../../src/dns/powerdns/index.js';
import {
  dig,
  findBinary,
  newTsigSecret,
  startBind,
  startPowerDns,
  type DnsTestServer,
  type PowerDnsServer,
} from '../harness/dns-servers.js';
import { missingPart } from '../harness/free-port.js';

const hasBind = Boolean(findBinary('named') && findBinary('dig')) || missingPart('bind9 (named) and dig') !== 'skip';
const hasPdns =
  Boolean(findBinary('pdns_server') && findBinary('dig')) || missingPart('pdns-server (pdns_server)') !== 'skip';
const zone = 'example.test';

describe.skipIf(!hasBind)('rfc2136 against BIND', () => {
  const secret = newTsigSecret();
  let bind: DnsTestServer;
  beforeAll(async () => {
    bind = await startBind({ zone, records: ['app IN A 127.0.0.1'], keyName: 'rewind-key', secret });
  }, 60_000);
  afterAll(() => bind?.stop());

  it('replaces the A record in one signed update, and reads it back from the server', async () => {
    const provider = createRfc2136Provider({
      name: 'zone',
      server: bind.address,
      zone,
      tsig: { name: 'rewind-key', algorithm: 'hmac-sha256', secret },
    });
    const line = await provider.replace([
      { name: 'app.example.test', type: 'A', values: ['127.0.0.2', '127.0.0.3'], ttl: 7 },
    ]);
    expect(line).toContain('signed with rewind-key');
    expect(dig(bind.port, 'app.example.test')).toEqual(['127.0.0.2', '127.0.0.3']);
    expect(await provider.lookup('app.example.test', 'A')).toEqual({ values: ['127.0.0.2', '127.0.0.3'], ttl: 7 });
  });

  it('a wrong key is refused by BIND and the zone is unchanged; the error names the provider and the zone', async () => {
    const before = dig(bind.port, 'app.example.test');
    const provider = createRfc2136Provider({
      name: 'zone',
      server: bind.address,
      zone,
      tsig: { name: 'rewind-key', algorithm: 'hmac-sha256', secret: newTsigSecret() },
    });
    await expect(
      provider.replace([{ name: 'app.example.test', type: 'A', values: ['127.0.0.9'], ttl: 5 }]),
    ).rejects.toThrow(/dns provider "zone" \(rfc2136, zone example\.test .*refused the update: NOTAUTH.*BADSIG/);
    expect(dig(bind.port, 'app.example.test')).toEqual(before);
  });
});

describe.skipIf(!hasPdns)('powerdns API', () => {
  let pdns: PowerDnsServer;
  beforeAll(async () => {
    pdns = await startPowerDns({ zone, records: [{ name: 'app.example.test', type: 'A', content: '127.0.0.1' }] });
  }, 60_000);
  afterAll(() => pdns?.stop());

  it('replaces the rrset through the API; PowerDNS answers the new address', async () => {
    const provider = createPowerDnsProvider({
      name: 'pdns',
      url: pdns.apiUrl,
      apiKey: pdns.apiKey,
      zone,
      server: pdns.address,
    });
    await provider.replace([{ name: 'app.example.test', type: 'A', values: ['127.0.0.2'], ttl: 5 }]);
    expect(dig(pdns.port, 'app.example.test')).toEqual(['127.0.0.2']);
    expect((await provider.lookup('app.example.test', 'A')).values).toEqual(['127.0.0.2']);
  });

  it('a wrong API key changes nothing and names the provider', async () => {
    const provider = createPowerDnsProvider({
      name: 'pdns',
      url: pdns.apiUrl,
      apiKey: 'wrong-key-value',
      zone,
      server: pdns.address,
    });
    await expect(
      provider.replace([{ name: 'app.example.test', type: 'A', values: ['127.0.0.9'], ttl: 5 }]),
    ).rejects.toThrow(/dns provider "pdns" \(powerdns.*HTTP 401/);
    expect(dig(pdns.port, 'app.example.test')).toEqual(['127.0.0.2']);
  });
});
