import { BlockList, isIP } from 'node:net';

/**
 * Parses CIDR entries ("10.0.0.0/8", "2001:db8::/32", or a single address such as
 * "192.0.2.7" or "::1") into a BlockList. Throws a RangeError naming the first bad entry.
 */
export function parseCidrList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim();
    const slash = entry.indexOf('/');
    const addr = slash < 0 ? entry : entry.slice(0, slash);
    const version = isIP(addr);
    if (version === 0) throw new RangeError(`"${entry}" is not an IPv4/IPv6 address or CIDR`);
    const family = version === 4 ? 'ipv4' : 'ipv6';
    if (slash < 0) {
      list.addAddress(addr, family);
      continue;
    }
    const prefixText = entry.slice(slash + 1);
    const prefix = Number(prefixText);
    const max = version === 4 ? 32 : 128;
    if (!/^\d{1,3}$/.test(prefixText) || prefix > max) {
      throw new RangeError(`"${entry}" has a bad prefix length (0..${max})`);
    }
    list.addSubnet(addr, prefix, family);
  }
  return list;
}

/**
 * The IP address of a grpc-js peer string ("127.0.0.1:5000", "[::1]:5000",
 * "ipv4:127.0.0.1:5000", "unix:/path"); IPv4-mapped IPv6 addresses come back as IPv4.
 * Returns undefined when the peer has no IP (unix sockets, unknown forms).
 */
export function peerAddress(peer: string): string | undefined {
  let rest = peer.replace(/^(ipv4|ipv6):/, '');
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    rest = end < 0 ? rest : rest.slice(1, end);
  } else if (isIP(rest) === 0) {
    const colon = rest.lastIndexOf(':');
    if (colon > 0) rest = rest.slice(0, colon);
  }
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(rest);
  if (mapped) rest = mapped[1] as string;
  return isIP(rest) === 0 ? undefined : rest;
}

/** Allow/deny decision for caller addresses: deny wins; a non-empty allow list admits only its networks. */
export class AccessList {
  private readonly allow: BlockList | undefined;
  private readonly deny: BlockList | undefined;

  constructor(allowCidrs: readonly string[], denyCidrs: readonly string[]) {
    this.allow = allowCidrs.length > 0 ? parseCidrList(allowCidrs) : undefined;
    this.deny = denyCidrs.length > 0 ? parseCidrList(denyCidrs) : undefined;
  }

  /** True when `address` (an IP, or undefined for a peer without one) may call. */
  permits(address: string | undefined): boolean {
    if (this.allow === undefined && this.deny === undefined) return true;
    if (address === undefined) return this.allow === undefined;
    const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (this.deny?.check(address, family)) return false;
    if (this.allow !== undefined) return this.allow.check(address, family);
    return true;
  }
}
