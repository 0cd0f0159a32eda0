// A minimal event primitive for the core (which must not import `vscode`), shaped like
// vscode.Event so views can pass these straight through: `event(listener) → IDisposable`.

import type { IDisposable } from './lifecycle';

export type Event<T> = (listener: (e: T) => void) => IDisposable;

export class Emitter<T> implements IDisposable {
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
