// Where a daemon listener binds and with which TLS files: shared by the gRPC listener (rpc/) and
// the metrics endpoint (metrics/), which must not reach rpc/ (the domain knows nothing of gRPC).

export interface TlsFiles {
  /** PEM server certificate chain. */
  cert: Buffer;
  /** PEM private key. */
  key: Buffer;
  /** PEM CA bundle: when given, clients must present a certificate it signed (mTLS). */
  ca?: Buffer;
}

/** "HOST:PORT", "[IPv6]:PORT" or ":PORT" (every interface). */
export function splitHostPort(listen: string): { host: string | undefined; port: number } {
  const colon = listen.lastIndexOf(':');
  const port = Number(listen.slice(colon + 1));
  if (colon < 0 || !/^\d{1,5}$/.test(listen.slice(colon + 1)) || port > 65535) throw new Error(`cannot listen on ${listen}: expected HOST:PORT`);
  const host = listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? undefined : host, port };
}

/** Whether only this machine can reach `host` ("127.0.0.1", "::1", "localhost"); every interface is not. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}
