// Ownership of things that must be released: the one way a class says "I hold these, and they go
// when I go" (VS Code's base/common/lifecycle.ts and vscode-pull-request-github's
// src/common/lifecycle.ts are the models). vscode.Disposable instances, the core's Emitters and
// every `event(listener)` subscription satisfy IDisposable structurally, so views register them
// here without adapting them.

export interface IDisposable {
  dispose(): void;
}

/** A disposable that runs `fn` once, however often it is disposed. */
export function toDisposable(fn: () => void): IDisposable {
  let done = false;
  return {
    dispose: () => {
      if (done) return;
      done = true;
      fn();
    },
  };
}

/** One disposable for several: disposing it disposes each of them (see DisposableStore for the order and errors). */
export function combinedDisposable(...disposables: IDisposable[]): IDisposable {
  const store = new DisposableStore();
  for (const d of disposables) store.add(d);
  return store;
}

/**
 * Disposes every error-free item even when some throw, then rethrows: the one error as it was,
 * several as an AggregateError (as VS Code's dispose() does).
 */
function disposeAll(items: readonly IDisposable[]): void {
  const errors: unknown[] = [];
  for (const item of items) {
    try {
      item.dispose();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, 'Encountered errors while disposing of store');
}

/**
 * Collects disposables so an owner releases everything it registered in one call. Items go in
 * reverse order of adding, like a stack: what was added later may lean on what came before.
 *
 * Once the store is disposed, whatever is added to it is disposed at once — a subscription taken
 * by an async callback that lands after its owner went is not leaked. `clear()` releases the
 * items but keeps the store usable (an owner re-attaching to a new source).
 */
export class DisposableStore implements IDisposable {
  private items: IDisposable[] = [];
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Returns `item`, so a field can be initialised with what it registers. */
  add<T extends IDisposable>(item: T): T {
    if ((item as unknown) === this) throw new Error('Cannot add a disposable store to itself');
    if (this.disposed) {
      item.dispose();
      return item;
    }
    this.items.push(item);
    return item;
  }

  /** Disposes what was added so far; the store takes new items afterwards. */
  clear(): void {
    const items = this.items.reverse();
    this.items = [];
    disposeAll(items);
  }

  /** Marks the store disposed first, so what the items' disposal calls back into sees it gone. Disposing again does nothing. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clear();
  }
}

/**
 * The base of a class that owns resources: it `_register()`s them as it takes them, and its
 * dispose() releases them all (in reverse order of registering). A subclass that must do more
 * overrides dispose() and calls super.dispose(); `isDisposed` is true from the start of that call.
 */
export abstract class Disposable implements IDisposable {
  private readonly store = new DisposableStore();

  /** Registered after dispose, `disposable` is disposed at once. */
  protected _register<T extends IDisposable>(disposable: T): T {
    if ((disposable as unknown) === this) throw new Error('Cannot register a disposable on itself');
    return this.store.add(disposable);
  }

  protected get isDisposed(): boolean {
    return this.store.isDisposed;
  }

  dispose(): void {
    this.store.dispose();
  }
}

/**
 * Holds at most one disposable that is replaced over time (the watcher a view follows, the
 * migration a dialog tracks): setting a value disposes the previous one; disposing this disposes
 * the current one, and a value set after that is disposed at once.
 */
export class MutableDisposable<T extends IDisposable> implements IDisposable {
  private current?: T;
  private disposed = false;

  get value(): T | undefined {
    return this.disposed ? undefined : this.current;
  }

  set value(value: T | undefined) {
    if (this.disposed) {
      value?.dispose();
      return;
    }
    if (value === this.current) return;
    const previous = this.current;
    this.current = value;
    previous?.dispose();
  }

  /** Disposes the current value and holds none. */
  clear(): void {
    this.value = undefined;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const current = this.current;
    this.current = undefined;
    current?.dispose();
  }
}
