import { OutboundTargetPolicy, checkOutboundTarget, classifyAddress, isValidAllowlistEntry } from './outbound-target-policy';

/**
 * Every block of the IANA IPv4 and IPv6 Special-Purpose Address Registries
 * (plus multicast, 240/4 and IPv6 outside 2000::/3), written out here rather
 * than read from the library, each probed at its first address, somewhere
 * inside and its last address.
 */
const SPECIAL_V4: Array<[string, string[]]> = [
  ['0.0.0.0/8 this network', ['0.0.0.0', '0.1.2.3', '0.255.255.255']],
  ['10.0.0.0/8 private', ['10.0.0.0', '10.1.2.3', '10.255.255.255']],
  ['100.64.0.0/10 shared (CGNAT)', ['100.64.0.0', '100.100.1.1', '100.127.255.255']],
  ['127.0.0.0/8 loopback', ['127.0.0.1', '127.1.2.3', '127.255.255.255']],
  ['169.254.0.0/16 link-local (cloud metadata)', ['169.254.0.0', '169.254.169.254', '169.254.255.255']],
  ['172.16.0.0/12 private', ['172.16.0.0', '172.20.0.1', '172.31.255.255']],
  ['192.0.0.0/24 IETF protocol assignments', ['192.0.0.0', '192.0.0.8', '192.0.0.255']],
  ['192.0.2.0/24 TEST-NET-1', ['192.0.2.0', '192.0.2.1', '192.0.2.255']],
  ['192.31.196.0/24 AS112-v4', ['192.31.196.1']],
  ['192.52.193.0/24 AMT', ['192.52.193.1']],
  ['192.88.99.0/24 deprecated 6to4 relay anycast', ['192.88.99.1']],
  ['192.168.0.0/16 private', ['192.168.0.0', '192.168.1.10', '192.168.255.255']],
  ['192.175.48.0/24 direct delegation AS112', ['192.175.48.1']],
  ['198.18.0.0/15 benchmarking', ['198.18.0.0', '198.19.255.255']],
  ['198.51.100.0/24 TEST-NET-2', ['198.51.100.7']],
  ['203.0.113.0/24 TEST-NET-3', ['203.0.113.7']],
  ['224.0.0.0/4 multicast', ['224.0.0.1', '239.255.255.255']],
  ['240.0.0.0/4 reserved', ['240.0.0.1', '254.1.2.3']],
  ['255.255.255.255/32 limited broadcast', ['255.255.255.255']],
];

const SPECIAL_V6: Array<[string, string[]]> = [
  ['::/128 unspecified', ['::']],
  ['::1/128 loopback', ['::1']],
  ['::ffff:0:0/96 IPv4-mapped of a private/loopback host', ['::ffff:10.0.0.1', '::ffff:127.0.0.1', '::ffff:169.254.169.254']],
  ['::/96 IPv4-compatible (deprecated), even of a public host', ['::127.0.0.1', '::10.0.0.1', '::8.8.8.8', '::1.2.3.4']],
  ['::/8 outside global unicast', ['::1:2', '1::1', 'ff::1']],
  ['64:ff9b::/96 NAT64 well-known', ['64:ff9b::7f00:1', '64:ff9b::a00:1', '64:ff9b::808:808']],
  ['64:ff9b:1::/48 NAT64 local-use', ['64:ff9b:1::1', '64:ff9b:1:7f00:0:100::']],
  ['100::/64 discard-only', ['100::', '100::ffff:ffff:ffff:ffff']],
  ['2001::/23 IETF protocol assignments', ['2001:100::1', '2001:1ff::1']],
  ['2001::/32 Teredo', ['2001::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2', '2001:0:0:0:0:0:80ff:fffe']],
  ['2001:2::/48 benchmarking', ['2001:2::1']],
  ['2001:3::/32 AMT', ['2001:3::1']],
  ['2001:4:112::/48 AS112-v6', ['2001:4:112::1']],
  ['2001:10::/28 deprecated ORCHID', ['2001:10::1']],
  ['2001:20::/28 ORCHIDv2', ['2001:20::1', '2001:2f:ffff::1']],
  ['2001:30::/28 drone remote ID', ['2001:30::1']],
  ['2001:db8::/32 documentation', ['2001:db8::1', '2001:db8:ffff::1']],
  ['2002::/16 6to4, of private and public IPv4', ['2002:7f00:1::1', '2002:a00:1::', '2002:c0a8:101::1', '2002:808:808::1']],
  ['2620:4f:8000::/48 direct delegation AS112', ['2620:4f:8000::1']],
  ['3fff::/20 documentation', ['3fff::1', '3fff:fff:ffff::1']],
  ['5f00::/16 segment routing SIDs', ['5f00::1']],
  ['fc00::/7 unique local', ['fc00::1', 'fd00::1', 'fdff:ffff::1']],
  ['fe80::/10 link-local', ['fe80::1', 'febf::1']],
  ['fec0::/10 deprecated site-local', ['fec0::1']],
  ['ff00::/8 multicast', ['ff02::1', 'ff0e::1']],
];

const PUBLIC = ['93.184.216.34', '8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '192.0.3.1', '::ffff:8.8.8.8', '2606:4700:4700::1111', '2a00:1450:4001::1'];

describe('classifyAddress and OutboundTargetPolicy without an allowlist', () => {
  const policy = new OutboundTargetPolicy([]);

  describe.each([...SPECIAL_V4, ...SPECIAL_V6])('%s', (_range, addresses) => {
    it.each(addresses)('refuses %s', (address) => {
      expect(classifyAddress(address).public).toBe(false);
      expect(policy.addressRefusal(address, address)).toMatch(/special-purpose range/);
    });
  });

  it.each(PUBLIC)('allows the public address %s', (address) => {
    expect(policy.addressRefusal(address, address)).toBeUndefined();
  });

  it.each([
    ['::ffff:127.0.0.1', 'ipv4Mapped', '127.0.0.1', 'loopback'],
    ['::127.0.0.1', 'ipv4Compatible', '127.0.0.1', 'loopback'],
    ['2002:7f00:1::1', '6to4', '127.0.0.1', 'loopback'],
    ['2002:c0a8:101::', '6to4', '192.168.1.1', 'private'],
    // Teredo keeps the client's address inverted in the last 32 bits: 0x80ff_fffe ^ 0xffff_ffff = 127.0.0.1.
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'teredo', '127.0.0.1', 'loopback'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo', '192.0.2.45', 'reserved'],
    ['64:ff9b::a9fe:a9fe', 'nat64', '169.254.169.254', 'linkLocal'],
    // RFC 6052 /48 layout: 10.0 in bits 48–63, the u octet, then .0.1.
    ['64:ff9b:1:a00:0:100::', 'nat64', '10.0.0.1', 'private'],
  ])('unwraps %s (%s) to %s (%s)', (address, via, inner, range) => {
    expect(classifyAddress(address).embedded).toEqual({ via, address: inner, range });
    expect(policy.addressRefusal(address, address)).toContain(`carrying ${inner} (${range}) by ${via}`);
  });

  it('refuses a private or IPv4-compatible URL at registration, naming the allowlist variable', async () => {
    await expect(policy.refusal(new URL('http://10.0.0.5:8080/hook'))).resolves.toMatch(/private.*MEDIAPLANE_WEBHOOK_ALLOWLIST/);
    await expect(policy.refusal(new URL('http://[::1]/hook'))).resolves.toMatch(/loopback/);
    await expect(policy.refusal(new URL('http://[::7f00:1]/hook'))).resolves.toMatch(/ipv4Compatible/);
    await expect(policy.refusal(new URL('http://[2002:a00:1::]/hook'))).resolves.toMatch(/6to4/);
    await expect(policy.refusal(new URL('http://93.184.216.34/hook'))).resolves.toBeUndefined();
  });

  it('refuses names that resolve to loopback, at registration and at connect time (DNS rebinding)', async () => {
    await expect(policy.refusal(new URL('http://localhost:9/hook'))).resolves.toMatch(/localhost resolves to/);
    const error = await new Promise<Error | null>((resolve) => policy.lookup('localhost', { all: true }, (err) => resolve(err)));
    expect(error?.message).toMatch(/refused/);
  });

  it('checkOutboundTarget takes any URL scheme (restream outputs: rtmp, srt)', async () => {
    await expect(checkOutboundTarget('rtmp://127.0.0.1/live/key')).resolves.toMatchObject({ ok: false, reason: expect.stringMatching(/loopback/) });
    await expect(checkOutboundTarget('srt://[fd00::1]:9000')).resolves.toMatchObject({ ok: false });
    await expect(checkOutboundTarget('rtmp://8.8.8.8/live/key')).resolves.toEqual({ ok: true });
    await expect(checkOutboundTarget('not a url')).resolves.toEqual({ ok: false, reason: 'not a URL' });
  });
});

describe('OutboundTargetPolicy with an allowlist', () => {
  const policy = new OutboundTargetPolicy(['127.0.0.1', '10.0.0.0/8', 'hooks.internal', 'fd00::/8'], 'RESTREAM_ALLOWLIST');

  it('allows listed addresses, CIDRs (IPv4-mapped forms included) and host names only', async () => {
    expect(policy.allowsAddress('127.0.0.1', '127.0.0.1')).toBe(true);
    expect(policy.allowsAddress('::ffff:127.0.0.1', '::ffff:127.0.0.1')).toBe(true);
    expect(policy.allowsAddress('127.0.0.2', '127.0.0.2')).toBe(false);
    expect(policy.allowsAddress('10.9.9.9', '10.9.9.9')).toBe(true);
    expect(policy.allowsAddress('fd12::1', 'fd12::1')).toBe(true);
    expect(policy.allowsAddress('fe80::1', 'fe80::1')).toBe(false);
    // A v4 entry does not open the 6to4 or NAT64 wrapping of that v4.
    expect(policy.allowsAddress('2002:a00:1::', '2002:a00:1::')).toBe(false);
    expect(policy.allowsAddress('192.168.0.1', 'hooks.internal')).toBe(true);
    await expect(policy.refusal(new URL('http://127.0.0.1:1234/x'))).resolves.toBeUndefined();
    await expect(policy.refusal(new URL('http://192.168.0.1/x'))).resolves.toMatch(/RESTREAM_ALLOWLIST/);
  });

  it('rejects allowlist entries that are not hosts, addresses or CIDRs', () => {
    expect(isValidAllowlistEntry('10.0.0.0/33')).toBe(false);
    expect(isValidAllowlistEntry('10.0.0.0/8/1')).toBe(false);
    expect(isValidAllowlistEntry('bad host')).toBe(false);
    expect(isValidAllowlistEntry('fd00::/8')).toBe(true);
    expect(isValidAllowlistEntry('hooks.example.com')).toBe(true);
    expect(() => new OutboundTargetPolicy(['10.0.0.0/99'])).toThrow(/MEDIAPLANE_WEBHOOK_ALLOWLIST/);
  });
});
