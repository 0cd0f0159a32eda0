// `--listen HOST:PORT`: parsed, and judged. Loopback is the default; anywhere else the API would
// hand the migration history (and the token, in clear) to the network, so such an address is
// refused unless the server has TLS and a token — or the operator said --insecure.

import { isIP } from 'node:net';

export interface ListenAddress {
  host: string;
  port: number;
}

export const DEFAULT_LISTEN: ListenAddress = { host: '127.0.0.1', port: 8480 };

/** HOST:PORT, [IPv6]:PORT or :PORT (loopback); undefined when it is none of them. */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]/]*)):(\d{1,5})$/.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (!(port >= 0 && port < 65536)) return undefined;
  const host = match[1] ?? (match[2] || DEFAULT_LISTEN.host);
  if (match[1] && isIP(match[1]) !== 6) return undefined;
  return { host, port };
}

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** Why serving on `address` with this protection is refused; undefined when it is allowed. */
export function refusalOf(address: ListenAddress, protection: { tls: boolean; token: boolean; insecure: boolean }): string | undefined {
  if (isLoopback(address.host) || protection.insecure || (protection.tls && protection.token)) return undefined;
  const missing = [protection.tls ? undefined : 'TLS (--tls-cert FILE --tls-key FILE)', protection.token ? undefined : 'a token (--token-file FILE)'].filter(Boolean).join(' and ');
  return `--listen ${address.host}:${address.port} is not a loopback address: serving there needs ${missing}, or --insecure to serve without them anyway`;
}
