// The daemon's TCP listener: accepts connections up to a limit and hands each to the gRPC
// server (grpc-js connection injector), so a client opening connections without end costs the
// daemon a bounded number of sessions.

import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { splitHostPort } from '../listen-address';

export { isLoopbackHost, splitHostPort } from '../listen-address';

export interface ConnectionListener {
  /** The port bound (the real one when 0 was asked for). */
  readonly port: number;
  /** Connections open now. */
  readonly connectionCount: number;
  /** Stops accepting; open connections are left to the gRPC server's shutdown. */
  close(): void;
  /** Stops accepting and drops every connection, including ones still in their TLS handshake. */
  destroy(): void;
}

/** A refused connection is logged at most this often, so a flood cannot flood the log too. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

export function listenForConnections(
  server: grpc.Server,
  listen: string,
  credentials: grpc.ServerCredentials,
  maxConnections: number,
  log: (line: string) => void,
): Promise<ConnectionListener> {
  const { host, port } = splitHostPort(listen);
  const injector = server.createConnectionInjector(credentials);
  const sockets = new Set<net.Socket>();
  const listener = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    injector.injectConnection(socket);
  });
  // Node drops connections past this at accept time, before any TLS or HTTP/2 work.
  listener.maxConnections = maxConnections;
  let refused = 0;
  let lastRefusalLog = 0;
  listener.on('drop', (info) => {
    refused++;
    const now = Date.now();
    if (now - lastRefusalLog < REFUSAL_LOG_INTERVAL_MS) return;
    lastRefusalLog = now;
    log(`refused ${refused} connection(s) (latest from ${info?.remoteAddress ?? 'unknown'}): ${maxConnections} open, the --max-connections limit`);
    refused = 0;
  });
  return new Promise((resolve, reject) => {
    listener.once('error', (err) => reject(new Error(`cannot listen on ${listen}: ${err.message}`)));
    listener.listen({ host, port }, () => {
      listener.removeAllListeners('error');
      listener.on('error', (err) => log(`listener error: ${err.message}`));
      resolve({
        port: (listener.address() as net.AddressInfo).port,
        get connectionCount() {
          return sockets.size;
        },
        close: () => listener.close(),
        destroy: () => {
          listener.close();
          injector.destroy();
          for (const socket of sockets) socket.destroy();
        },
      });
    });
  });
}
