import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Why a `serviceUrl` may not be called; `code` is stable (`service_url_denied`). */
export class ServiceUrlDeniedError extends Error {
  readonly code = 'service_url_denied';
  constructor(message: string) {
    super(message);
    this.name = 'ServiceUrlDeniedError';
  }
}

const DNS_TIMEOUT_MS = 2000;

/** Ranges that are not the public internet: loopback, private, link-local (cloud metadata), CGNAT, multicast… */
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');

/** `::ffff:10.0.0.1` is 10.0.0.1. */
function normalize(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1]!, family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

/**
 * Where `service` steps may send requests (SSRF guard): any public address; a loopback, private, link-local or
 * other non-public one only when `APPHUB_SERVICE_URL_ALLOWLIST` names its host, its address or a CIDR holding
 * it. The check is on the addresses the host resolves to, at registration and again on the connection itself.
 */
export class ServiceUrlPolicy {
  private readonly hosts = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly allowed = new BlockList();

  constructor(allowlist: readonly string[] = []) {
    for (const entry of allowlist) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address!);
      if (family !== 0) {
        const type = family === 6 ? 'ipv6' : 'ipv4';
        if (prefix === undefined) this.allowed.addAddress(address!, type);
        else this.allowed.addSubnet(address!, Number(prefix), type);
      } else if (entry.startsWith('*.')) this.suffixes.push(entry.slice(1));
      else this.hosts.add(entry);
    }
  }

  /** True when the operator trusts this host name whatever it resolves to. */
  allowsHost(hostname: string): boolean {
    const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
    return this.hosts.has(host) || this.suffixes.some((suffix) => host.endsWith(suffix));
  }

  /** Why this resolved address may not be called, or null when it may. */
  addressProblem(rawAddress: string): string | null {
    const { address, family } = normalize(rawAddress);
    if (this.allowed.check(address, family)) return null;
    if (NOT_PUBLIC.check(address, family))
      return `${address} is not a public address (loopback, private, link-local or reserved); add it to APPHUB_SERVICE_URL_ALLOWLIST to allow it`;
    return null;
  }

  /**
   * Checks a URL before anything is sent: http(s) only, no credentials in it, and every address its host
   * resolves to allowed. `resolve: false` checks only what needs no DNS (literal addresses, `localhost`).
   */
  async check(rawUrl: string, options: { resolve?: boolean } = {}): Promise<void> {
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      throw new ServiceUrlDeniedError(`${rawUrl} is not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new ServiceUrlDeniedError(`${url.protocol} URLs are not allowed; use http or https`);
    if (url.username || url.password) throw new ServiceUrlDeniedError('a serviceUrl must not carry credentials');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (this.allowsHost(host)) return;
    const addresses = await this.addressesOf(host, options.resolve ?? true);
    for (const address of addresses) {
      const problem = this.addressProblem(address);
      if (problem) throw new ServiceUrlDeniedError(`serviceUrl host "${host}" resolves to ${problem}`);
    }
  }

  private async addressesOf(host: string, resolve: boolean): Promise<string[]> {
    if (isIP(host) !== 0) return [host];
    if (host === 'localhost' || host.endsWith('.localhost')) return ['127.0.0.1', '::1'];
    if (!resolve) return [];
    // An unknown host or a slow DNS is the call's problem (it is checked again then): registration does not wait.
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<string[]>((resolve) => {
      timer = setTimeout(() => resolve([]), DNS_TIMEOUT_MS);
    });
    const resolved = lookup(host, { all: true, verbatim: true }).then(
      (entries) => entries.map((entry) => entry.address),
      () => [],
    );
    try {
      return await Promise.race([resolved, giveUp]);
    } finally {
      clearTimeout(timer);
    }
  }
}
