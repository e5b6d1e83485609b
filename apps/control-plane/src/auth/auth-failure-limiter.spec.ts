import { normalizeAddress } from './auth-failure-limiter';

describe('normalizeAddress', () => {
  it('counts IPv4-mapped IPv6 and plain IPv4 as one client', () => {
    expect(normalizeAddress('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(normalizeAddress(' 192.0.2.1 ')).toBe('192.0.2.1');
  });

  it('keeps IPv6 addresses and gives an empty address its own bucket', () => {
    expect(normalizeAddress('2001:DB8::1')).toBe('2001:db8::1');
    expect(normalizeAddress('')).toBe('unknown');
  });
});
