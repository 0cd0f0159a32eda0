// A small promise-based client for the daemon tests: real gRPC over loopback with the same
// proto the extension uses. Not a test file itself.

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import path from 'node:path';

const PROTO = path.join(__dirname, '../../proto/blixard.proto');
const pkg = grpc.loadPackageDefinition(
  protoLoader.loadSync(PROTO, { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true }),
).blixard as grpc.GrpcObject;

export type Reply = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface BlixardTestClient {
  call(method: string, request?: object, timeoutMs?: number): Promise<Reply>;
  /** Collects WatchMigrations events until stopped. */
  watch(): MigrationWatch;
  close(): void;
  readonly cluster: grpc.Client;
  readonly migrations: grpc.Client;
}

export interface MigrationWatch {
  events: Reply[];
  errors: Error[];
  cancel(): void;
  waitFor(predicate: (events: Reply[]) => boolean, timeoutMs?: number, what?: string): Promise<Reply[]>;
}

const MIGRATION_METHODS = new Set(['ListMigrations', 'GetMigration', 'CancelMigration', 'SetNodeMaintenance']);

export function connect(endpoint: string, credentials = grpc.credentials.createInsecure(), options: grpc.ChannelOptions = {}): BlixardTestClient {
  const ClusterService = pkg.ClusterService as grpc.ServiceClientConstructor;
  const MigrationService = pkg.MigrationService as grpc.ServiceClientConstructor;
  const cluster = new ClusterService(endpoint, credentials, options);
  const migrations = new MigrationService(endpoint, credentials, options);
  return {
    cluster,
    migrations,
    call(method, request = {}, timeoutMs = 15_000) {
      const client = MIGRATION_METHODS.has(method) ? migrations : cluster;
      return new Promise((resolve, reject) => {
        const fn = (client as unknown as Record<string, ((...args: unknown[]) => unknown) | undefined>)[method];
        if (!fn) return reject(new Error(`no such method ${method}`));
        fn.call(client, request, { deadline: Date.now() + timeoutMs }, (err: grpc.ServiceError | null, res: Reply) => (err ? reject(err) : resolve(res)));
      });
    },
    watch() {
      const events: Reply[] = [];
      const errors: Error[] = [];
      const waiters = new Set<() => void>();
      const stream = (migrations as unknown as { WatchMigrations(req: object): grpc.ClientReadableStream<Reply> }).WatchMigrations({});
      stream.on('data', (e: Reply) => {
        events.push(e);
        for (const w of [...waiters]) w();
      });
      stream.on('error', (err: Error) => {
        errors.push(err);
        for (const w of [...waiters]) w();
      });
      return {
        events,
        errors,
        cancel: () => stream.cancel(),
        waitFor(predicate, timeoutMs = 20_000, what = 'watch condition') {
          return new Promise((resolve, reject) => {
            const check = () => {
              if (predicate(events)) {
                waiters.delete(check);
                clearTimeout(timer);
                resolve(events);
              }
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              reject(new Error(`timed out waiting for ${what}; got ${events.length} events${errors.length ? `, error ${errors[0].message}` : ''}`));
            }, timeoutMs);
            waiters.add(check);
            check();
          });
        },
      };
    },
    close() {
      cluster.close();
      migrations.close();
    },
  };
}

/** Polls `probe` until it returns a truthy value or the deadline passes. */
export async function eventually<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
