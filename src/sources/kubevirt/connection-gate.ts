// At most N connection attempts to API servers in flight in this process, across every
// KubevirtSource: a kubeconfig with 2,000 contexts would otherwise open 6,000 TLS connections
// at once (three informers each), each building its own TLS context, and keep the event loop so
// busy that not even Ctrl-C gets through. A request holds its slot until it is answered; a watch
// until its response headers arrive (an open stream then costs nothing to hold). The rest wait
// their turn in order.

import type { KubeClient, WatchConnection, WatchHandlers } from './kube-client';

export class ConnectionGate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {}

  /** Waits for a slot; the returned function gives it back (calling it again does nothing). */
  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next in line, so `active` stays counted.
      if (next) next();
      else this.active--;
    };
  }

  /** Attempts in flight and waiting (tests). */
  get load(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }
}

/** The process's gate for Kubernetes API connections. 32 keeps a few clusters' start-up as fast as ungated. */
export const kubeConnectionGate = new ConnectionGate(32);

/** `client` with its requests and watch connects taken through `gate`. */
export function gatedClient(client: KubeClient, gate: ConnectionGate = kubeConnectionGate): KubeClient {
  const gated = Object.create(client) as KubeClient;
  gated.request = async (method, path, options) => {
    const release = await gate.acquire();
    try {
      return await client.request(method, path, options);
    } finally {
      release();
    }
  };
  gated.watch = async (path, query, handlers: WatchHandlers, connectTimeoutMs): Promise<WatchConnection> => {
    const release = await gate.acquire();
    try {
      const connection = await client.watch(
        path,
        query,
        {
          ...handlers,
          onOpen: () => {
            release();
            handlers.onOpen();
          },
          onEnd: (err) => {
            release();
            handlers.onEnd(err);
          },
        },
        connectTimeoutMs,
      );
      return {
        close: () => {
          release();
          connection.close();
        },
      };
    } catch (err) {
      release();
      throw err;
    }
  };
  return gated;
}
