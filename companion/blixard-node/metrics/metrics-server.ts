// Serves a daemon's Prometheus text on GET /metrics (--metrics-listen HOST:PORT), over TLS with
// the daemon's own certificate when it serves gRPC with one (and asking for a client
// certificate signed by --tls-ca when that is given, as its gRPC port does).

import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { splitHostPort, type TlsFiles } from '../listen-address';

export interface MetricsServer {
  /** HOST:PORT as bound. */
  readonly address: string;
  readonly url: string;
  close(): Promise<void>;
}

export async function serveMetrics(listen: string, registry: Registry, tls?: TlsFiles): Promise<MetricsServer> {
  const { host, port } = splitHostPort(listen);
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${error.message}\n`),
    );
  };
  const server: Server = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key, ...(tls.ca ? { ca: tls.ca, requestCert: true, rejectUnauthorized: true } : {}) }, handle)
    : createHttpServer(handle);
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host || '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host && host !== '0.0.0.0' && host !== '[::]' && host !== '::' ? host : '127.0.0.1';
  const address = `${shownHost}:${bound}`;
  return {
    address,
    url: `${tls ? 'https' : 'http'}://${address}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
