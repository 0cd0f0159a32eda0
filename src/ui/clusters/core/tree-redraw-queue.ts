// What the Clusters tree has to redraw, gathered into one onDidChangeTreeData per burst: a VM
// list, a node's figures and a cluster's state often change within milliseconds of each other,
// and VS Code pays a round trip per event.

import type { IDisposable } from '../../../base/lifecycle';

export interface TreeRedrawQueueOptions<E> {
  /** Changes arriving within this window go out as one event. */
  readonly delayMs: number;
  readonly parentOf: (element: E) => E | undefined;
  /** Whether the element (and every ancestor) is still the tree's live one, not a discarded copy. */
  readonly isAttached: (element: E) => boolean;
  /** `undefined` redraws the whole tree; otherwise the listed elements (and their children). */
  readonly deliver: (what: E[] | undefined) => void;
}

export class TreeRedrawQueue<E> implements IDisposable {
  private readonly pending = new Set<E>();
  private pendingRoot = false;
  private timer?: ReturnType<typeof setTimeout>;
  private disposed = false;

  constructor(private readonly options: TreeRedrawQueueOptions<E>) {}

  /** The whole tree is redrawn with the next burst (and nothing else needs to be). */
  root(): void {
    this.pendingRoot = true;
    this.schedule();
  }

  element(element: E | undefined): void {
    if (element === undefined) return;
    this.pending.add(element);
    this.schedule();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private schedule(): void {
    if (this.timer || this.disposed) return;
    this.timer = setTimeout(() => this.flush(), this.options.delayMs);
  }

  /** One event per burst; an element whose ancestor is redrawn anyway is left out. */
  private flush(): void {
    this.timer = undefined;
    if (this.pendingRoot) {
      this.pendingRoot = false;
      this.pending.clear();
      this.options.deliver(undefined);
      return;
    }
    // Elements whose branch left the tree meanwhile (a cluster removed, a datacenter regrouped) are not VS Code's to redraw.
    const elements = [...this.pending].filter((e) => this.options.isAttached(e) && !this.hasPendingAncestor(e));
    this.pending.clear();
    if (elements.length > 0) this.options.deliver(elements);
  }

  private hasPendingAncestor(element: E): boolean {
    for (let p = this.options.parentOf(element); p !== undefined; p = this.options.parentOf(p)) if (this.pending.has(p)) return true;
    return false;
  }
}
