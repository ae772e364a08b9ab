// The address rules of the egress guard: which resolved addresses a connection to a
// tenant-configured destination may reach. The ranges come from ipaddr.js, not from here.
import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

/** One entry of `SWITCHBOARD_EGRESS_ALLOW`: a range, and the one port it is allowed on if given. */
export interface EgressRule {
  range: [ipaddr.IPv4 | ipaddr.IPv6, number];
  port: number | undefined;
}

/** Every address a name resolves to; the default asks the system resolver (`getaddrinfo`). */
export type Resolver = (host: string) => Promise<string[]>;

/** A destination the policy refuses. The message names the host and why, never a credential. */
export class EgressRefused extends Error {
  override readonly name = 'EgressRefused';
  readonly code = 'EGRESS_REFUSED';
}

export const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

function parseRange(text: string): EgressRule['range'] {
  if (text.includes('/')) return ipaddr.parseCIDR(text);
  const address = ipaddr.parse(text);
  return [address, address.kind() === 'ipv4' ? 32 : 128];
}

/**
 * Parses `SWITCHBOARD_EGRESS_ALLOW`: comma-separated IPs or CIDRs, each optionally with
 * `:port`; IPv6 in brackets when a port follows (`[::1]:8080`, `[fd00::/8]`).
 * Throws an Error naming the first entry that is not one.
 */
export function parseEgressAllow(text: string): EgressRule[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
      const withPort = /^([^:]+):(\d+)$/.exec(entry);
      const [range, port] = bracketed
        ? [bracketed[1] ?? '', bracketed[2]]
        : withPort
          ? [withPort[1] ?? '', withPort[2]]
          : [entry, undefined];
      const portNumber = port === undefined ? undefined : Number(port);
      if (portNumber !== undefined && (portNumber < 1 || portNumber > 65_535)) {
        throw new Error(`"${entry}" has a port outside 1-65535`);
      }
      try {
        return { range: parseRange(range), port: portNumber };
      } catch {
        throw new Error(`"${entry}" is not an IP address or CIDR range, optionally with :port`);
      }
    });
}

/**
 * The address as the network sees it, or undefined when it is not an address. IPv4-mapped
 * IPv6 (`::ffff:127.0.0.1`) becomes the IPv4 address it reaches, and ipaddr.js reads the
 * other IPv4 spellings (`0x7f.1`, `2130706433`, `0177.0.0.1`) as inet_aton does.
 */
function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (!ipaddr.isValid(bare)) return undefined;
  return ipaddr.process(bare);
}

/**
 * Whether a connection to `address` on `port` is allowed: only global unicast addresses, or
 * what an operator rule allows. Refused by default: loopback, private, link-local (the cloud
 * metadata address 169.254.169.254 among them), carrier-grade NAT, unique-local, unspecified,
 * multicast, broadcast, reserved, and IPv6 ranges that embed an IPv4 address (NAT64, 6to4, Teredo).
 */
function isAllowedAddress(
  address: ipaddr.IPv4 | ipaddr.IPv6,
  port: number,
  rules: readonly EgressRule[],
): boolean {
  const allowed = rules.some(
    (rule) =>
      rule.range[0].kind() === address.kind() &&
      address.match(rule.range) &&
      (rule.port === undefined || rule.port === port),
  );
  return allowed || address.range() === 'unicast';
}

/**
 * Resolves `host` (an address literal in any spelling is taken as it is) and returns the
 * address to connect to. Every address the name resolves to must be allowed, so a name
 * that mixes a public and an internal address is refused whichever one a later lookup
 * would return. Throws `EgressRefused`.
 */
export async function checkDestination(
  host: string,
  port: number,
  rules: readonly EgressRule[],
  resolve: Resolver,
): Promise<string> {
  const literal = parseAddress(host);
  let addresses: Array<ipaddr.IPv4 | ipaddr.IPv6>;
  if (literal) {
    addresses = [literal];
  } else {
    // A failed lookup keeps its own error (ENOTFOUND, EAI_AGAIN): it is the network's, not the policy's.
    const resolved = await resolve(host);
    addresses = resolved.map((text) => parseAddress(text)).filter((address) => address !== undefined);
    if (addresses.length === 0) {
      throw Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' });
    }
  }
  const refused = addresses.find((address) => !isAllowedAddress(address, port, rules));
  if (refused) {
    throw new EgressRefused(
      `${host} port ${port} is refused by the egress policy (${refused.range()} address)`,
    );
  }
  return (addresses[0] as ipaddr.IPv4 | ipaddr.IPv6).toString();
}
