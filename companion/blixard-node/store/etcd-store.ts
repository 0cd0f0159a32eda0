// ClusterStore on a real etcd cluster through the etcd3 client: transactions with mod-revision
// guards, prefix watches that resume from the last seen revision after a reconnect, leases kept
// alive by the client, and etcd's election recipe for leadership.

import { createRequire } from 'node:module';
import type * as Etcd3Module from 'etcd3';
import { StoreUnavailableError } from '../errors';
import {
  type ClusterStore,
  type StoreCampaign,
  type StoreCompare,
  type StoreEvent,
  type StoreLease,
  type StoreOp,
  type StoreWatch,
  type StoreWatchHandlers,
  type StoredValue,
  type TxnResult,
} from './cluster-store';

/** Every unary etcd call gives up after this long (streams — watches, keep-alives — have none). */
const CALL_TIMEOUT_MS = 5000;
const KEY_NAMESPACE = '/blixard/';

type Etcd3Lib = typeof Etcd3Module;

function loadEtcd3(): Etcd3Lib {
  // Required at run time, never bundled: etcd3 reads its .proto files from its own folder.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('etcd3') as Etcd3Lib;
}

/** Faster recovery than etcd3's defaults (5 s open circuit), so writes resume soon after etcd returns. */
function faultHandling(): NonNullable<Etcd3Module.IOptions['faultHandling']> | undefined {
  try {
    // The policies must come from the same cockatiel etcd3 itself uses.
    const cockatiel = createRequire(require.resolve('etcd3'))('cockatiel') as typeof import('cockatiel');
    const { isRecoverableError } = loadEtcd3();
    return {
      host: () => cockatiel.circuitBreaker(cockatiel.handleWhen(isRecoverableError), { halfOpenAfter: 1000, breaker: new cockatiel.ConsecutiveBreaker(3) }),
      global: cockatiel.retry(cockatiel.handleWhen(isRecoverableError), { maxAttempts: 2, backoff: new cockatiel.ConstantBackoff(100) }),
      // etcd3 calls next() on this before use, so a backoff factory is what it really takes.
      watchBackoff: new cockatiel.ExponentialBackoff({ initialDelay: 100, maxDelay: 2000 }) as unknown as import('cockatiel').IBackoff<unknown>,
    };
  } catch {
    return undefined; // fall back to the client's own policies
  }
}

function unavailable(err: unknown): StoreUnavailableError {
  if (err instanceof StoreUnavailableError) return err;
  const message = ((err as Error)?.message?.split('\n')[0] ?? String(err))
    .replace(/^\d+ [A-Z_]+: /, '')
    .replace(/Last error: Error: /, 'last error: ')
    .replace(/\s*Resolution note:.*$/, '');
  return new StoreUnavailableError(message);
}

interface RawKv {
  key: Buffer;
  value: Buffer;
  create_revision: string;
  mod_revision: string;
  lease: string;
}

function toStored(kv: RawKv): StoredValue {
  const key = kv.key.toString();
  return {
    // Single-key reads come back with the namespace prefix, ranges and watches without.
    key: key.startsWith(KEY_NAMESPACE) ? key.slice(KEY_NAMESPACE.length) : key,
    value: kv.value.toString(),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
    leaseId: kv.lease && kv.lease !== '0' ? kv.lease : undefined,
  };
}

export class EtcdStore implements ClusterStore {
  readonly kind = 'etcd' as const;
  readonly description: string;

  private constructor(
    private readonly client: Etcd3Module.Etcd3,
    private readonly ns: Etcd3Module.Namespace,
    endpoints: string[],
  ) {
    this.description = `etcd ${endpoints.join(',')}`;
  }

  static async connect(endpoints: string[]): Promise<EtcdStore> {
    const { Etcd3 } = loadEtcd3();
    const client = new Etcd3({
      hosts: endpoints.map((e) => `http://${e}`),
      dialTimeout: CALL_TIMEOUT_MS,
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + CALL_TIMEOUT_MS }),
      faultHandling: faultHandling(),
    });
    return new EtcdStore(client, client.namespace(KEY_NAMESPACE), endpoints);
  }

  async get(key: string): Promise<StoredValue | undefined> {
    try {
      const res = await this.ns.get(key).exec();
      const kv = res.kvs[0] as unknown as RawKv | undefined;
      return kv && toStored(kv);
    } catch (err) {
      throw unavailable(err);
    }
  }

  async range(prefix: string): Promise<{ values: StoredValue[]; revision: number }> {
    try {
      const res = await this.ns.getAll().prefix(prefix).exec();
      return { values: (res.kvs as unknown as RawKv[]).map(toStored), revision: Number(res.header.revision) };
    } catch (err) {
      throw unavailable(err);
    }
  }

  async txn(compare: StoreCompare[], ops: StoreOp[]): Promise<TxnResult> {
    // etcd3's builder needs one comparison; an unconditional write compares a version to -1.
    const guards = compare.length > 0 ? compare : [{ key: ops[0]?.key ?? 'members/', always: true }];
    let builder: Etcd3Module.ComparatorBuilder | undefined;
    for (const g of guards) {
      const args: [string, 'Mod' | 'Version', '==' | '>', number] =
        'always' in g ? [g.key, 'Version', '>', -1] : [g.key, 'Mod', '==', (g as StoreCompare).modRevision];
      builder = builder ? builder.and(...args) : this.ns.if(...args);
    }
    const clauses = ops.map((op) => {
      if (op.type === 'delete') return this.ns.delete().key(op.key);
      const put = this.ns.put(op.key).value(op.value);
      return op.leaseId ? put.lease(op.leaseId) : put;
    });
    try {
      const res = await builder!.then(...clauses).commit();
      return { succeeded: res.succeeded, revision: Number(res.header.revision) };
    } catch (err) {
      throw unavailable(err);
    }
  }

  watch(prefix: string, fromRevision: number, handlers: StoreWatchHandlers): StoreWatch {
    let cancelled = false;
    let watcher: Etcd3Module.Watcher | undefined;
    const created = this.ns
      .watch()
      .prefix(prefix)
      .startRevision(String(fromRevision))
      .create()
      .then((w) => {
        watcher = w;
        if (cancelled) return void w.cancel();
        w.on('data', (res) => {
          // One response may span several revisions: hand them over one revision at a time.
          let batch: StoreEvent[] = [];
          let batchRevision = 0;
          for (const e of res.events) {
            const kv = e.kv as unknown as RawKv;
            const event: StoreEvent = {
              type: e.type === 'Put' ? 'put' : 'delete',
              key: kv.key.toString(),
              value: e.type === 'Put' ? kv.value.toString() : undefined,
              createRevision: Number(kv.create_revision),
              modRevision: Number(kv.mod_revision),
            };
            if (batch.length > 0 && event.modRevision !== batchRevision) {
              handlers.onEvents(batch, batchRevision);
              batch = [];
            }
            batch.push(event);
            batchRevision = event.modRevision;
          }
          if (batch.length > 0) handlers.onEvents(batch, batchRevision);
        });
        w.on('disconnected', () => handlers.onConnection?.(false));
        w.on('connected', () => handlers.onConnection?.(true));
        w.on('error', (err) => {
          if (!cancelled) handlers.onError(err);
        });
      })
      .catch((err: Error) => {
        if (!cancelled) handlers.onError(err);
      });
    void created;
    return {
      cancel: () => {
        cancelled = true;
        void watcher?.cancel().catch(() => {});
      },
    };
  }

  async grantLease(ttlSeconds: number): Promise<StoreLease> {
    const lease = this.ns.lease(ttlSeconds, { autoKeepAlive: true });
    const lost: ((err: Error) => void)[] = [];
    let ended = false;
    lease.on('lost', (err) => {
      if (ended) return;
      ended = true;
      for (const l of lost) l(err);
    });
    let id: string;
    try {
      id = await lease.grant();
    } catch (err) {
      ended = true;
      lease.release();
      throw unavailable(err);
    }
    return {
      id,
      onLost: (listener) => lost.push(listener),
      revoke: async () => {
        ended = true;
        await lease.revoke({ deadline: Date.now() + 2000 }).catch(() => lease.release());
      },
      release: () => {
        ended = true;
        lease.release();
      },
    };
  }

  campaign(name: string, value: string, ttlSeconds: number): StoreCampaign {
    const campaign = this.ns.election(name, ttlSeconds).campaign(value);
    const listeners: ((err: Error) => void)[] = [];
    let ended = false;
    campaign.on('error', (err) => {
      if (!ended) listeners.forEach((l) => l(err));
    });
    return {
      onError: (listener) => listeners.push(listener),
      resign: async () => {
        ended = true;
        await campaign.resign().catch(() => {});
      },
      release: () => {
        ended = true;
        // etcd3 has no "stop campaigning quietly": resigning in the background keeps the
        // client's own retries from lingering; a dead process never gets here anyway.
        void campaign.resign().catch(() => {});
      },
    };
  }

  async ping(timeoutMs: number): Promise<void> {
    try {
      await this.ns.get('members/').options({ deadline: Date.now() + timeoutMs }).exec();
    } catch (err) {
      throw unavailable(err);
    }
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
