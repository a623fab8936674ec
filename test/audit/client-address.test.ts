import { describe, expect, it } from 'vitest';
import { truncateClientAddress } from '../../src/audit/client-address.js';

describe('truncateClientAddress', () => {
  it('keeps an IPv4 /24 by default', () => {
    expect(truncateClientAddress('203.0.113.77')).toBe('203.0.113.0/24');
    expect(truncateClientAddress('::ffff:198.51.100.9')).toBe('198.51.100.0/24');
  });
  it('keeps an IPv6 /48 by default, compressed', () => {
    expect(truncateClientAddress('2001:db8:abcd:12:34::1')).toBe('2001:db8:abcd::/48');
    expect(truncateClientAddress('fe80::1%eth0')).toBe('fe80::/48');
    expect(truncateClientAddress('::1')).toBe('::/48');
  });
  it('honours configured prefixes', () => {
    expect(truncateClientAddress('203.0.113.77', { ipv4: 16, ipv6: 64 })).toBe('203.0.0.0/16');
    expect(truncateClientAddress('203.0.113.77', { ipv4: 32, ipv6: 128 })).toBe('203.0.113.77/32');
    expect(truncateClientAddress('2001:db8:abcd:12:34::1', { ipv4: 24, ipv6: 56 })).toBe('2001:db8:abcd::/56');
    expect(truncateClientAddress('2001:db8:abcd:12ff:34::1', { ipv4: 24, ipv6: 56 })).toBe('2001:db8:abcd:1200::/56');
    expect(truncateClientAddress('10.1.2.3', { ipv4: 0, ipv6: 0 })).toBe('0.0.0.0/0');
  });
  it('drops anything that is not an IP address', () => {
    expect(truncateClientAddress('evil.example.com')).toBeUndefined();
    expect(truncateClientAddress('1.2.3.4; rm -rf /')).toBeUndefined();
  });
});
