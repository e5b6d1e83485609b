import { ConnectionLimiter, normalizeAddress } from './connection-limiter';

describe('ConnectionLimiter', () => {
  it('refuses an address past its own limit while others still get in', () => {
    const limiter = new ConnectionLimiter({ maxTotal: 10, maxPerAddress: 2 });
    expect(limiter.acquire('1.1.1.1').ok).toBe(true);
    expect(limiter.acquire('::ffff:1.1.1.1').ok).toBe(true);
    expect(limiter.acquire('1.1.1.1')).toEqual({ ok: false, reason: 'too_many_from_address' });
    expect(limiter.acquire('2.2.2.2').ok).toBe(true);
  });

  it('refuses everyone past the total limit', () => {
    const limiter = new ConnectionLimiter({ maxTotal: 2, maxPerAddress: 5 });
    limiter.acquire('a');
    limiter.acquire('b');
    expect(limiter.acquire('c')).toEqual({ ok: false, reason: 'too_many_connections' });
  });

  it('gives a slot back once per grant, however often it is released', () => {
    const limiter = new ConnectionLimiter({ maxTotal: 1, maxPerAddress: 1 });
    const grant = limiter.acquire('a');
    if (!grant.ok) throw new Error('expected a grant');
    grant.release();
    grant.release();
    expect(limiter.open).toBe(0);
    expect(limiter.acquire('a').ok).toBe(true);
    expect(limiter.acquire('b').ok).toBe(false);
  });
});

describe('normalizeAddress', () => {
  it('counts IPv4-mapped IPv6 and plain IPv4 as one client', () => {
    expect(normalizeAddress('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(normalizeAddress(' 192.0.2.1 ')).toBe('192.0.2.1');
  });

  it('keeps IPv6 addresses and gives a missing or empty address its own bucket', () => {
    expect(normalizeAddress('2001:DB8::1')).toBe('2001:db8::1');
    expect(normalizeAddress('')).toBe('unknown');
    expect(normalizeAddress(undefined)).toBe('unknown');
  });
});
