import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** The only IPv6 block IANA allocates for global unicast; everything outside it (e.g. ::/96, ::/8) is refused. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/** An IPv4 address carried inside an IPv6 one, and the mechanism that carries it. */
export interface EmbeddedIPv4 {
  via: 'ipv4Mapped' | 'ipv4Compatible' | '6to4' | 'teredo' | 'nat64';
  address: string;
  range: string;
}

export interface AddressClass {
  /** ipaddr.js's special-purpose range name ('unicast' when none), or 'ipv4Compatible' / 'notGlobalUnicast'. */
  range: string;
  embedded?: EmbeddedIPv4;
  /** Whether the address (and any IPv4 it carries) is ordinary public unicast. */
  public: boolean;
}

/**
 * Names the special-purpose range of an address (ipaddr.js keeps the IANA
 * IPv4 and IPv6 special-purpose registries), and digs out the IPv4 address
 * a transition mechanism carries: IPv4-mapped ::ffff:0:0/96, IPv4-compatible
 * ::/96, 6to4 2002::/16 (bits 16–48), Teredo 2001::/32 (the client, last 32
 * bits inverted) and NAT64 64:ff9b::/96 and 64:ff9b:1::/48 (RFC 6052
 * layout). An IPv4-mapped address is that IPv4 host, so it is judged as
 * such; every other mechanism is refused by its own range, and names the
 * IPv4 it would reach.
 */
export function classifyAddress(text: string): AddressClass {
  const address = ipaddr.parse(canonical(text));
  if (address.kind() === 'ipv4') {
    const range = address.range();
    return { range, public: range === 'unicast' };
  }
  const v6 = address as ipaddr.IPv6;
  const embedded = embeddedIPv4(v6);
  let range: string = v6.range();
  if (range === 'unicast' && embedded?.via === 'ipv4Compatible') range = 'ipv4Compatible';
  if (range === 'unicast' && !v6.match(GLOBAL_UNICAST_V6)) range = 'notGlobalUnicast';
  if (embedded?.via === 'ipv4Mapped') return { range, embedded, public: embedded.range === 'unicast' };
  return { range, ...(embedded ? { embedded } : {}), public: range === 'unicast' && (embedded === undefined || embedded.range === 'unicast') };
}

/**
 * The address as Node and the WHATWG URL parser read it. ipaddr.js reads
 * `::a.b.c.d` (IPv4-compatible) as if it were `::ffff:a.b.c.d` (IPv4-mapped),
 * which would let `::8.8.8.8`-style tricks pass as a plain IPv4 host.
 */
function canonical(text: string): string {
  const bare = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  return isIP(bare) === 6 ? new URL(`http://[${bare}]/`).hostname.slice(1, -1) : bare;
}

function embeddedIPv4(v6: ipaddr.IPv6): EmbeddedIPv4 | undefined {
  const p = v6.parts as number[];
  const bytes = v6.toByteArray();
  const v4 = (via: EmbeddedIPv4['via'], octets: number[]): EmbeddedIPv4 => {
    const inner = new ipaddr.IPv4(octets);
    return { via, address: inner.toString(), range: inner.range() };
  };
  const last32 = bytes.slice(12, 16);
  const range = v6.range();
  if (range === 'ipv4Mapped') return v4('ipv4Mapped', last32);
  if (range === '6to4') return v4('6to4', bytes.slice(2, 6));
  if (range === 'teredo')
    return v4(
      'teredo',
      last32.map((b) => b ^ 0xff),
    );
  if (range === 'rfc6052') {
    // 64:ff9b::/96 carries the IPv4 in the last 32 bits; 64:ff9b:1::/48 (RFC 8215) in bits 48–63 and 72–87 (RFC 6052's /48 layout).
    const localUse = p[2] === 1 && v6.match(ipaddr.parseCIDR('64:ff9b:1::/48'));
    return v4('nat64', localUse ? [bytes[6], bytes[7], bytes[9], bytes[10]].map(Number) : last32);
  }
  // IPv4-compatible (deprecated, RFC 4291): ::a.b.c.d, except :: and ::1 themselves.
  if (p.slice(0, 6).every((x) => x === 0) && (p[6] !== 0 || (p[7] ?? 0) > 1)) return v4('ipv4Compatible', last32);
  return undefined;
}

export function isValidAllowlistEntry(entry: string): boolean {
  if (entry.includes('/')) return ipaddr.isValidCIDR(entry);
  return ipaddr.isValid(entry) || /^[a-z0-9.-]{1,253}$/i.test(entry);
}

export type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Where the platform may open outbound connections (webhooks, restream
 * outputs): public unicast addresses always; anything in a special-purpose
 * range (loopback, private, link-local, CGNAT, documentation, multicast,
 * transition mechanisms …) only when the allowlist names the host, the
 * address or a CIDR holding it. Applied when a target is registered and
 * again on every connection (the `lookup` hook), so a name that later
 * resolves to a refused address (DNS rebinding) is still refused.
 */
export class OutboundTargetPolicy {
  private readonly allowedNets: Array<[Address, number]> = [];
  private readonly allowedHosts = new Set<string>();

  /** `allowlistName` is the variable operators set, named in refusals. */
  constructor(
    allowlist: readonly string[],
    private readonly allowlistName = 'MEDIAPLANE_WEBHOOK_ALLOWLIST',
  ) {
    for (const entry of allowlist) {
      if (!isValidAllowlistEntry(entry)) throw new Error(`${allowlistName}: ${JSON.stringify(entry)} is not a host, an address or a CIDR`);
      const [network, bits] = entry.split('/') as [string, string | undefined];
      if (bits !== undefined) this.allowedNets.push([ipaddr.parse(canonical(network)), Number(bits)]);
      else if (ipaddr.isValid(entry)) {
        const address = ipaddr.parse(canonical(entry));
        this.allowedNets.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      } else this.allowedHosts.add(entry.toLowerCase());
    }
  }

  /** Why connecting to `address` (for a URL naming `hostname`) is refused, or undefined when it is allowed. */
  addressRefusal(address: string, hostname: string): string | undefined {
    if (this.allowedHosts.has(normalizeHost(hostname))) return undefined;
    if (isIP(address.replace(/%.*$/, '')) === 0) return `${address} is not an IP address`;
    if (this.isAllowlisted(address)) return undefined;
    const verdict = classifyAddress(address);
    if (verdict.public) return undefined;
    const inner = verdict.embedded ? `, carrying ${verdict.embedded.address} (${verdict.embedded.range}) by ${verdict.embedded.via}` : '';
    return `${address} is in a special-purpose range (${verdict.range}${inner})`;
  }

  allowsAddress(address: string, hostname: string): boolean {
    return this.addressRefusal(address, hostname) === undefined;
  }

  /**
   * Why a URL may not be registered, or undefined when it may. Every address
   * the name resolves to must be allowed; names that do not resolve now are
   * accepted (DNS may be down), the connect-time check still applies.
   */
  async refusal(url: URL): Promise<string | undefined> {
    const host = normalizeHost(url.hostname);
    if (this.allowedHosts.has(host)) return undefined;
    const addresses = isIP(host) ? [host] : await resolveAll(host);
    for (const address of addresses) {
      const refusal = this.addressRefusal(address, host);
      if (refusal)
        return `target ${host}${address === host ? '' : ` resolves to ${address}, which`} is not a public address: ${refusal}; add it to ${this.allowlistName} to allow it`;
    }
    return undefined;
  }

  /** A `lookup` for http.request / net.connect that only ever yields allowed addresses. */
  readonly lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const usable = addresses.filter((a) => this.allowsAddress(a.address, hostname));
      if (usable.length === 0) {
        const refused = Object.assign(new Error(`${hostname} resolves only to refused (non-public) addresses`), { code: 'EREFUSEDTARGET' });
        return callback(refused, []);
      }
      if (options.all) return callback(null, usable);
      const first = usable[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };

  private isAllowlisted(address: string): boolean {
    const parsed = ipaddr.parse(canonical(address));
    // An IPv4-mapped address is its IPv4 host: a v4 allowlist entry covers it.
    const mapped = parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress();
    const candidates = [parsed, ...(mapped ? [(parsed as ipaddr.IPv6).toIPv4Address()] : [])];
    return candidates.some((candidate) => this.allowedNets.some(([net, bits]) => net.kind() === candidate.kind() && candidate.match(net, bits)));
  }
}

/**
 * One call for a new kind of outbound target (e.g. restream outputs): the
 * URL's host must be public, or allow-listed, at the time of the check.
 * Connect through `policy.lookup` as well, or the name may change its mind.
 */
export async function checkOutboundTarget(url: string | URL, policy = new OutboundTargetPolicy([])): Promise<{ ok: true } | { ok: false; reason: string }> {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return { ok: false, reason: 'not a URL' };
  }
  if (!parsed.hostname) return { ok: false, reason: 'the URL names no host' };
  const reason = await policy.refusal(parsed);
  return reason ? { ok: false, reason } : { ok: true };
}

function normalizeHost(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

function resolveAll(host: string): Promise<string[]> {
  return new Promise((resolve) => {
    dnsLookup(host, { all: true }, (error, addresses) => resolve(error ? [] : addresses.map((a) => a.address)));
  });
}
