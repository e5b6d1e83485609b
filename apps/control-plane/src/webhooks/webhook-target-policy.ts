import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';

/** Ranges a webhook may not reach unless allow-listed: loopback, private, link-local, shared, reserved, multicast. */
const REFUSED_V4: Array<[string, number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const REFUSED_V6: Array<[string, number]> = [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
];

export function isValidAllowlistEntry(entry: string): boolean {
  const [network, prefix, extra] = entry.split('/');
  if (extra !== undefined || !network) return false;
  if (prefix === undefined) return isIP(network) !== 0 || /^[a-z0-9.-]{1,253}$/i.test(network);
  const family = isIP(network);
  const bits = Number(prefix);
  return family !== 0 && /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

export type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Decides which webhook targets are allowed: public addresses always,
 * refused ranges only when MEDIAPLANE_WEBHOOK_ALLOWLIST names the host, the
 * address or a CIDR holding it. Applied when a webhook is registered and
 * again on every connection (the `lookup` hook), so a name that later
 * resolves to a private address (DNS rebinding) is still refused.
 */
export class WebhookTargetPolicy {
  private readonly refused = new BlockList();
  private readonly allowed = new BlockList();
  private readonly allowedHosts = new Set<string>();

  constructor(allowlist: readonly string[]) {
    for (const [net, bits] of REFUSED_V4) this.refused.addSubnet(net, bits, 'ipv4');
    for (const [net, bits] of REFUSED_V6) this.refused.addSubnet(net, bits, 'ipv6');
    for (const entry of allowlist) {
      if (!isValidAllowlistEntry(entry)) throw new Error(`MEDIAPLANE_WEBHOOK_ALLOWLIST: ${JSON.stringify(entry)} is not a host, an address or a CIDR`);
      const [network, prefix] = entry.split('/') as [string, string | undefined];
      const family = isIP(network);
      if (family === 0) this.allowedHosts.add(network.toLowerCase());
      else if (prefix === undefined) this.allowed.addAddress(network, family === 4 ? 'ipv4' : 'ipv6');
      else this.allowed.addSubnet(network, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
    }
  }

  /** Whether an address may be connected to for a URL with this host name. */
  allowsAddress(address: string, hostname: string): boolean {
    if (this.allowedHosts.has(normalizeHost(hostname))) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    const ip = mapped ?? address;
    const type = isIP(ip) === 4 ? 'ipv4' : 'ipv6';
    if (isIP(ip) === 0) return false;
    return this.allowed.check(ip, type) || !this.refused.check(ip, type);
  }

  /**
   * Why a URL may not be registered, or undefined when it may. Names that do
   * not resolve now are accepted (DNS may be down); the connect-time check
   * still applies to them.
   */
  async refusal(url: URL): Promise<string | undefined> {
    const host = normalizeHost(url.hostname);
    if (this.allowedHosts.has(host)) return undefined;
    const addresses = isIP(host) ? [host] : await resolveAll(host);
    const bad = addresses.find((a) => !this.allowsAddress(a, host));
    return bad
      ? `target ${host}${bad === host ? '' : ` (${bad})`} is in a loopback, link-local or private range; add it to MEDIAPLANE_WEBHOOK_ALLOWLIST to allow it`
      : undefined;
  }

  /** A `lookup` for http.request that only ever yields allowed addresses. */
  readonly lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const usable = addresses.filter((a) => this.allowsAddress(a.address, hostname));
      if (usable.length === 0) {
        const refused = Object.assign(new Error(`${hostname} resolves only to refused (loopback, link-local or private) addresses`), {
          code: 'EREFUSEDTARGET',
        });
        return callback(refused, []);
      }
      if (options.all) return callback(null, usable);
      const first = usable[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}

function normalizeHost(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

function resolveAll(host: string): Promise<string[]> {
  return new Promise((resolve) => {
    dnsLookup(host, { all: true }, (error, addresses) => resolve(error ? [] : addresses.map((a) => a.address)));
  });
}
