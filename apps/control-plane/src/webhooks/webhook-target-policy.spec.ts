import { WebhookTargetPolicy, isValidAllowlistEntry } from './webhook-target-policy';

describe('WebhookTargetPolicy', () => {
  describe('without an allowlist', () => {
    const policy = new WebhookTargetPolicy([]);

    it.each([
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.10',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:10.0.0.1',
      '::ffff:127.0.0.1',
    ])('refuses %s', (address) => expect(policy.allowsAddress(address, address)).toBe(false));

    it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '172.32.0.1'])('allows the public address %s', (address) => {
      expect(policy.allowsAddress(address, address)).toBe(true);
    });

    it('refuses a private URL at registration with a reason naming the allowlist variable', async () => {
      await expect(policy.refusal(new URL('http://10.0.0.5:8080/hook'))).resolves.toMatch(/private range.*MEDIAPLANE_WEBHOOK_ALLOWLIST/);
      await expect(policy.refusal(new URL('http://[::1]/hook'))).resolves.toMatch(/private range/);
    });

    it('refuses names that resolve to loopback', async () => {
      await expect(policy.refusal(new URL('http://localhost:9/hook'))).resolves.toMatch(/localhost/);
    });

    it('refuses loopback at connect time too (DNS rebinding)', async () => {
      const error = await new Promise<Error | null>((resolve) => policy.lookup('localhost', { all: true }, (err) => resolve(err)));
      expect(error?.message).toMatch(/refused/);
    });
  });

  describe('with an allowlist', () => {
    const policy = new WebhookTargetPolicy(['127.0.0.1', '10.0.0.0/8', 'hooks.internal']);

    it('allows listed addresses, CIDRs and host names only', async () => {
      expect(policy.allowsAddress('127.0.0.1', '127.0.0.1')).toBe(true);
      expect(policy.allowsAddress('127.0.0.2', '127.0.0.2')).toBe(false);
      expect(policy.allowsAddress('10.9.9.9', '10.9.9.9')).toBe(true);
      expect(policy.allowsAddress('192.168.0.1', 'hooks.internal')).toBe(true);
      await expect(policy.refusal(new URL('http://127.0.0.1:1234/x'))).resolves.toBeUndefined();
      await expect(policy.refusal(new URL('http://192.168.0.1/x'))).resolves.toBeDefined();
    });
  });

  it('rejects allowlist entries that are not hosts, addresses or CIDRs', () => {
    expect(isValidAllowlistEntry('10.0.0.0/33')).toBe(false);
    expect(isValidAllowlistEntry('10.0.0.0/8/1')).toBe(false);
    expect(isValidAllowlistEntry('bad host')).toBe(false);
    expect(isValidAllowlistEntry('fd00::/8')).toBe(true);
    expect(() => new WebhookTargetPolicy(['10.0.0.0/99'])).toThrow(/MEDIAPLANE_WEBHOOK_ALLOWLIST/);
  });
});
