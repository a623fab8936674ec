// Client address minimisation for the audit trail: keep the network (IPv4 /24, IPv6 /48), drop the host.

import { isIPv4, isIPv6 } from 'node:net';

/** Prefix lengths kept; 32/128 keep the full address, 0 drops it entirely. */
export interface AddressPrefixes {
  ipv4: number;
  ipv6: number;
}

/** The default: enough to tell networks apart, not enough to single out a household. */
export const DEFAULT_ADDRESS_PREFIXES: AddressPrefixes = { ipv4: 24, ipv6: 48 };

/**
 * "203.0.113.77" → "203.0.113.0/24", "2001:db8:abcd:12::1" → "2001:db8:abcd::/48", IPv4-mapped IPv6 is
 * treated as IPv4. Anything that is not an IP address becomes undefined (never written verbatim).
 */
export function truncateClientAddress(
  address: string,
  prefixes: AddressPrefixes = DEFAULT_ADDRESS_PREFIXES,
): string | undefined {
  const bare = address.replace(/%.*$/, ''); // drop an IPv6 zone id
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return truncateIPv4(mapped[1], prefixes.ipv4);
  if (isIPv4(bare)) return truncateIPv4(bare, prefixes.ipv4);
  if (isIPv6(bare)) return truncateIPv6(bare, prefixes.ipv6);
  return undefined;
}

function truncateIPv4(ip: string, prefix: number): string {
  const value = ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
  const kept = prefix <= 0 ? 0 : Math.floor(value / 2 ** (32 - prefix)) * 2 ** (32 - prefix);
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(kept / 2 ** shift) % 256);
  return `${octets.join('.')}/${prefix}`;
}

function truncateIPv6(ip: string, prefix: number): string {
  const groups = expandIPv6(ip);
  let bitsLeft = prefix;
  const kept = groups.map((group) => {
    const take = Math.max(0, Math.min(16, bitsLeft));
    bitsLeft -= take;
    return take === 0 ? 0 : group & (0xffff << (16 - take)) & 0xffff;
  });
  return `${compressIPv6(kept)}/${prefix}`;
}

function expandIPv6(ip: string): number[] {
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1].split('.').map(Number);
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const zeros = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  return [...headGroups, ...Array<string>(zeros).fill('0'), ...tailGroups].map((g) => parseInt(g, 16));
}

function compressIPv6(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLength < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
