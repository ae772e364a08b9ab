/**
 * The egress policy on its own: which addresses a tenant-configured destination may reach.
 * Nothing here connects anywhere; names resolve through an injected resolver.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/core/config.ts';
import { EgressRefused, parseEgressAllow, type Resolver } from '../../src/core/egress.ts';
import { checkDestination } from '../../src/core/egress-policy.ts';

/** A resolver from a table; it records every name it was asked for. */
function tableResolver(table: Record<string, string[]>): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (host: string) => {
    asked.push(host);
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses;
  };
  return Object.assign(resolve, { asked });
}

const noNames = tableResolver({});

async function refusal(host: string, port = 443, allow = '', resolve: Resolver = noNames) {
  return checkDestination(host, port, parseEgressAllow(allow), resolve).then(
    (address) => `allowed ${address}`,
    (error: unknown) => error,
  );
}

describe('the egress policy', () => {
  it.each([
    ['loopback', '127.0.0.1'],
    ['loopback, elsewhere in 127/8', '127.8.9.10'],
    ['loopback IPv6', '::1'],
    ['loopback IPv6 in brackets', '[::1]'],
    ['private 10/8', '10.0.0.1'],
    ['private 172.16/12', '172.16.5.4'],
    ['private 192.168/16', '192.168.1.1'],
    ['link-local (cloud metadata)', '169.254.169.254'],
    ['link-local IPv6', 'fe80::1'],
    ['carrier-grade NAT', '100.64.0.1'],
    ['unique-local IPv6', 'fd00::1'],
    ['unspecified', '0.0.0.0'],
    ['unspecified IPv6', '::'],
    ['unspecified IPv6 in brackets', '[::]'],
    ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
    ['IPv4-mapped loopback, hex', '::ffff:7f00:1'],
    ['IPv4-mapped metadata address', '[::ffff:169.254.169.254]'],
    ['IPv4-compatible loopback', '::127.0.0.1'],
    ['loopback as 0x7f.1', '0x7f.1'],
    ['loopback as one number', '2130706433'],
    ['loopback as hex number', '0x7f000001'],
    ['loopback in octal', '0177.0.0.1'],
    ['loopback, short form', '127.1'],
    ['private as one number', '167772161'],
    ['NAT64 of a private address', '64:ff9b::a00:1'],
    ['6to4 of loopback', '2002:7f00:1::'],
    ['multicast', '224.0.0.1'],
    ['broadcast', '255.255.255.255'],
    ['reserved', '240.0.0.1'],
  ])('refuses %s (%s) without a lookup', async (_class, host) => {
    const error = await refusal(host);
    expect(error).toBeInstanceOf(EgressRefused);
    expect((error as EgressRefused).code).toBe('EGRESS_REFUSED');
    expect(noNames.asked).toEqual([]);
  });

  it.each([
    ['public IPv4', '93.184.215.14', '93.184.215.14'],
    ['public IPv6', '2606:4700::1111', '2606:4700::1111'],
    ['public IPv6 in brackets', '[2606:4700::1111]', '2606:4700::1111'],
    ['public IPv4, IPv4-mapped', '::ffff:93.184.215.14', '93.184.215.14'],
  ])('allows %s and connects to the address it checked', async (_class, host, address) => {
    expect(await refusal(host)).toBe(`allowed ${address}`);
  });

  it('refuses a name that resolves to loopback, through the injected resolver', async () => {
    const resolve = tableResolver({ 'mail.example.com': ['127.0.0.1'] });
    expect(await refusal('mail.example.com', 993, '', resolve)).toBeInstanceOf(EgressRefused);
    expect(resolve.asked).toEqual(['mail.example.com']);
  });

  it('refuses a name whose addresses mix a public and an internal one', async () => {
    const resolve = tableResolver({ 'mixed.example.com': ['93.184.215.14', '10.1.2.3'] });
    expect(await refusal('mixed.example.com', 443, '', resolve)).toBeInstanceOf(EgressRefused);
  });

  it('refuses a name that resolves to an IPv4-mapped loopback address', async () => {
    const resolve = tableResolver({ 'mapped.example.com': ['::ffff:127.0.0.1'] });
    expect(await refusal('mapped.example.com', 443, '', resolve)).toBeInstanceOf(EgressRefused);
  });

  it('returns the checked address of a public name, so the caller connects there', async () => {
    const resolve = tableResolver({ 'calendar.example.com': ['93.184.215.14', '2606:4700::1111'] });
    expect(await refusal('calendar.example.com', 443, '', resolve)).toBe('allowed 93.184.215.14');
  });

  it('passes a failed lookup on as the network error it is, not as a refusal', async () => {
    const error = await refusal('nowhere.example.com');
    expect(error).not.toBeInstanceOf(EgressRefused);
    expect((error as { code?: string }).code).toBe('ENOTFOUND');
  });
});

describe('SWITCHBOARD_EGRESS_ALLOW', () => {
  it('allows an address on the port it names, and only there', async () => {
    expect(await refusal('127.0.0.1', 11434, '127.0.0.1:11434')).toBe('allowed 127.0.0.1');
    expect(await refusal('127.0.0.1', 11435, '127.0.0.1:11434')).toBeInstanceOf(EgressRefused);
    expect(await refusal('127.0.0.2', 11434, '127.0.0.1:11434')).toBeInstanceOf(EgressRefused);
  });

  it('allows a CIDR range on every port', async () => {
    expect(await refusal('10.20.30.40', 993, '10.0.0.0/8')).toBe('allowed 10.20.30.40');
    expect(await refusal('10.20.30.40', 25, '10.0.0.0/8')).toBe('allowed 10.20.30.40');
    expect(await refusal('192.168.0.1', 993, '10.0.0.0/8')).toBeInstanceOf(EgressRefused);
  });

  it('reads IPv6 in brackets, with or without a port', async () => {
    expect(await refusal('::1', 8080, '[::1]:8080')).toBe('allowed ::1');
    expect(await refusal('::1', 8081, '[::1]:8080')).toBeInstanceOf(EgressRefused);
    expect(await refusal('fd12::5', 443, '[fd00::/8]')).toBe('allowed fd12::5');
    expect(await refusal('fd12::5', 443, 'fd00::/8')).toBe('allowed fd12::5');
  });

  it('matches an allowed IPv4 address however it is spelled', async () => {
    expect(await refusal('::ffff:127.0.0.1', 11434, '127.0.0.1:11434')).toBe('allowed 127.0.0.1');
    expect(await refusal('0x7f.1', 11434, '127.0.0.1:11434')).toBe('allowed 127.0.0.1');
  });

  it('allows a name whose addresses are all allowed', async () => {
    const resolve = tableResolver({ 'ollama.internal': ['10.0.0.7'] });
    expect(await refusal('ollama.internal', 11434, '10.0.0.7:11434', resolve)).toBe('allowed 10.0.0.7');
  });

  it('is parsed by the configuration, which names the variable and the bad entry', () => {
    expect(parseConfig({ SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1:11434, 10.0.0.0/8' }).egressAllow).toHaveLength(
      2,
    );
    expect(parseConfig({}).egressAllow).toEqual([]);
    for (const bad of ['localhost', '10.0.0.0/33', '127.0.0.1:99999', '::1:80x', '[::1']) {
      expect(() => parseConfig({ SWITCHBOARD_EGRESS_ALLOW: bad })).toThrow(ConfigError);
      expect(() => parseConfig({ SWITCHBOARD_EGRESS_ALLOW: bad })).toThrow(/SWITCHBOARD_EGRESS_ALLOW/);
    }
  });
});
