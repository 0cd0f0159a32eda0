// A minimal event primitive for the core (which must not import `vscode`), shaped like
// vscode.Event so views can pass these straight through: `event(listener) → Disposable`.

export interface Disposable {
  dispose(): void;
}

export type Event<T> = (listener: (e: T) => void) => Disposable;

export class Emitter<T> implements Disposable {
  private listeners = new Set<(e: T) => void>();
  private disposed = false;

  /** Optional hooks so a producer can start work on the first subscriber and stop on the last. */
  constructor(private readonly hooks: { onFirstListener?: () => void; onLastListenerRemoved?: () => void } = {}) {}

  readonly event: Event<T> = (listener) => {
    if (this.disposed) return { dispose() {} };
    const first = this.listeners.size === 0;
    this.listeners.add(listener);
    if (first) this.hooks.onFirstListener?.();
    return {
      dispose: () => {
        if (this.listeners.delete(listener) && this.listeners.size === 0) this.hooks.onLastListenerRemoved?.();
      },
    };
  };

  get hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  fire(e: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(e);
      } catch (err) {
        // One misbehaving subscriber must not starve the others of the event.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }
}

/** Collects disposables so an owner can release everything it registered in one call. */
export class DisposableStore implements Disposable {
  private items: Disposable[] = [];
  add<T extends Disposable>(item: T): T {
    this.items.push(item);
    return item;
  }
  dispose(): void {
    const items = this.items;
    this.items = [];
    for (const item of items.reverse()) {
      try {
        item.dispose();
      } catch {
        // disposal is best effort: keep releasing the rest
      }
    }
  }
}
