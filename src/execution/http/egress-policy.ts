import { BlockList, isIP } from 'node:net';

/**
 * The one text every refusal carries, whatever the reason (loopback, private range, a name resolving there):
 * a flow author must not learn from it what exists behind the server.
 */
export const EGRESS_REFUSED_MESSAGE = 'The destination is not allowed by the egress policy.';

export class EgressRefused extends Error {
  constructor() {
    super(EGRESS_REFUSED_MESSAGE);
    this.name = 'EgressRefused';
  }
}

// Every range that is not the public internet: the server itself, its network, the cloud metadata service,
// documentation/benchmark ranges, multicast and reserved space.
const NOT_PUBLIC_V4: [string, number][] = [
  ['0.0.0.0', 8], // "this network", 0.0.0.0
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, 169.254.169.254 metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24],
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, 255.255.255.255 broadcast
];
const NOT_PUBLIC_V6: [string, number][] = [
  ['::', 128], // unspecified
  ['::1', 128],
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001::', 32], // Teredo: the IPv4 inside is obfuscated, so refuse the whole range
  ['2001:db8::', 32],
  ['fc00::', 7], // unique-local, fd00:ec2::254 metadata
  ['fe80::', 10],
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
];

const notPublic = new BlockList();
for (const [network, prefix] of NOT_PUBLIC_V4) notPublic.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of NOT_PUBLIC_V6) notPublic.addSubnet(network, prefix, 'ipv6');

/** Whether an IP address is on the public internet (IPv6 forms that carry an IPv4 address are judged by it). */
export function isPublicAddress(address: string): boolean {
  const ip = withoutZone(address);
  const family = isIP(ip);
  if (family === 0) return false;
  if (family === 4) return !notPublic.check(ip, 'ipv4');
  const embedded = embeddedIPv4(ip);
  if (embedded) return isPublicAddress(embedded);
  return !notPublic.check(ip, 'ipv6');
}

export type EgressPolicy = {
  /** Whether a connection to `hostname`, resolved to `addresses`, may be opened. */
  allows: (hostname: string, addresses: readonly string[]) => boolean;
};

/**
 * The default policy (public addresses only) widened by EGRESS_ALLOW entries: a host name admits whatever it
 * resolves to (an on-premise system's name), an IP address or CIDR admits those addresses in every form.
 */
export function egressPolicy(allow: readonly string[]): EgressPolicy {
  const hosts = new Set<string>();
  const allowed = new BlockList();
  for (const entry of allow) {
    const cidr = parseCidr(entry);
    if (cidr) allowed.addSubnet(cidr.network, cidr.prefix, cidr.family);
    else hosts.add(normalHost(entry));
  }
  const admits = (address: string) => {
    const ip = withoutZone(address);
    const family = isIP(ip);
    if (family === 0) return false;
    if (isPublicAddress(ip) || allowed.check(ip, family === 4 ? 'ipv4' : 'ipv6')) return true;
    const embedded = family === 6 ? embeddedIPv4(ip) : null;
    return embedded !== null && allowed.check(embedded, 'ipv4');
  };
  return {
    allows: (hostname, addresses) => hosts.has(normalHost(hostname)) || (addresses.length > 0 && addresses.every(admits)),
  };
}

/** Why an EGRESS_ALLOW entry is unusable, or null when it is a host name, an IP address or a CIDR. */
export function egressAllowEntryProblem(entry: string): string | null {
  // A name ending in a number is an IPv4 address to a URL parser (2130706433, 10.1), not a host name.
  const numericLast = /(^|\.)(0x[0-9a-f]*|\d+)\.?$/i.test(entry);
  if (parseCidr(entry) || (!numericLast && /^(?=.{1,253}\.?$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i.test(entry)))
    return null;
  return `"${entry}" is neither a host name, an IP address nor a CIDR`;
}

function parseCidr(entry: string): { network: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [network = '', prefixText, ...rest] = entry.split('/');
  const family = isIP(network);
  if (family === 0 || rest.length > 0) return null;
  const max = family === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return null;
  return { network, prefix, family: family === 4 ? 'ipv4' : 'ipv6' };
}

const normalHost = (host: string) =>
  host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');

const withoutZone = (address: string) => address.replace(/^\[(.*)\]$/, '$1').split('%')[0]!;

/**
 * The IPv4 address inside IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d)
 * and 6to4 (2002:aabb:ccdd::) addresses: a connection to them reaches that IPv4 address.
 */
function embeddedIPv4(address: string): string | null {
  const groups = ipv6Groups(address);
  if (!groups) return null;
  const zeroes = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  const v4 = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  if (zeroes(0, 5) && (groups[5] === 0xffff || groups[5] === 0)) return v4(groups[6]!, groups[7]!);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeroes(2, 6)) return v4(groups[6]!, groups[7]!);
  if (groups[0] === 0x2002) return v4(groups[1]!, groups[2]!);
  return null;
}

/** The eight 16-bit groups of an IPv6 address (with or without a dotted IPv4 tail), or null. */
function ipv6Groups(address: string): number[] | null {
  if (isIP(address) !== 6) return null;
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const part = (s: string) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const fill = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  const groups = [...left, ...fill, ...right];
  return groups.length === 8 ? groups : null;
}
