// Rows expanded while their parent redraws come back with their children.
//
// Redrawing a row (onDidChangeTreeData for it) makes VS Code's extension host forget the row's
// whole subtree until the workbench fetches the row's children again. A row below it that the
// user expands in that window is asked for by a handle the host no longer knows: the host logs
// "No tree item with id … found", answers no children without asking us, and drops the expand
// event too. The workbench's own re-fetch of the parent does not fetch that row again (its fetch
// was already under way), so it stays open and empty — seen in a real workbench while a
// cluster's row redrew during a migration (issue 9, item 13).
//
// Nothing tells the extension which row was expanded, so this watches what the window leaves
// behind: once the workbench has fetched a redrawn row again, every expandable child it does
// not also fetch within `settleMs` (an open row is fetched in the same refresh) is redrawn once
// more. A collapsed row's redraw costs the workbench nothing; an open, empty one is fetched.
// Only children the workbench had drawn before the redraw can have been expanded in the window:
// a cluster redrawn because its first load ended (it showed "Loading…") leaves nothing to redo.

export interface RedrawRaceGuardOptions<E> {
  readonly idOf: (element: E) => string;
  /** Rows that can have children (and so can be expanded). */
  readonly isExpandable: (element: E) => boolean;
  /** Redraws these rows (through the tree's usual change delivery). */
  readonly redrawAgain: (elements: E[]) => void;
  /**
   * Whether the workbench shows the row open, as far as the tree knows (undefined: unknown). A
   * row known closed is not re-fetched after a redraw, so nothing waits for it; one known open
   * is waited for until it is, however slow a loaded workbench is to ask.
   */
  readonly isOpen?: (element: E) => boolean | undefined;
  /** How long the workbench gets to fetch an open row's children after fetching its parent's. Default 500 ms. */
  readonly settleMs?: number;
  /**
   * A redrawn row whose state is unknown and is not fetched again within this time is one the
   * workbench shows collapsed; a row known open waits for `openExpireMs`. Defaults 5 s and 60 s.
   */
  readonly expireMs?: number;
  readonly openExpireMs?: number;
}

const ROOT = '\0root';

export class RedrawRaceGuard<E> {
  /** Rows redrawn, by id, until the workbench fetches their children again (or the entry expires): the expandable children they had drawn, and until when. */
  private readonly awaitingFetch = new Map<string, { readonly until: number; readonly drawn: ReadonlySet<string> }>();
  /** The expandable children of each row as last answered (what the workbench has drawn). */
  private readonly drawnChildren = new Map<string, ReadonlySet<string>>();
  /** Expandable children of a re-fetched row that the workbench has not fetched since. */
  private readonly unconfirmed = new Map<string, E>();
  private settleTimer?: ReturnType<typeof setTimeout>;
  private readonly settleMs: number;
  private readonly expireMs: number;
  private readonly openExpireMs: number;

  constructor(private readonly options: RedrawRaceGuardOptions<E>) {
    this.settleMs = options.settleMs ?? 500;
    this.expireMs = options.expireMs ?? 5000;
    this.openExpireMs = options.openExpireMs ?? 60_000;
  }

  /** The tree told VS Code to redraw these rows (undefined: the whole tree). */
  redrawn(elements: readonly E[] | undefined): void {
    const now = Date.now();
    // The root is always open. A loaded workbench (CI, a busy window) can take seconds to ask
    // for an open row again; a fixed 5 s let such a row's expanded child stay empty for good.
    const rows: [string, boolean | undefined][] = elements
      ? elements.filter((e) => this.options.isExpandable(e)).map((e) => [this.options.idOf(e), this.options.isOpen?.(e)])
      : [[ROOT, true]];
    for (const [key, open] of rows) {
      const drawn = this.drawnChildren.get(key);
      if (!drawn || drawn.size === 0 || open === false) continue;
      this.awaitingFetch.set(key, { until: now + (open ? this.openExpireMs : this.expireMs), drawn });
    }
  }

  /** The workbench fetched `parent`'s children (undefined: the root) and got `children`. */
  fetched(parent: E | undefined, children: readonly E[]): void {
    const key = parent === undefined ? ROOT : this.options.idOf(parent);
    const redrawn = this.awaitingFetch.get(key);
    this.awaitingFetch.delete(key);
    const wasUnconfirmed = this.unconfirmed.delete(key);
    const previouslyDrawn = this.drawnChildren.get(key);
    const expandable = children.filter((c) => this.options.isExpandable(c));
    if (expandable.length > 0) this.drawnChildren.set(key, new Set(expandable.map((c) => this.options.idOf(c))));
    else this.drawnChildren.delete(key);
    // A re-fetched row's subtree was forgotten by the host: its open rows are fetched next, and
    // each of those opens the same question one level down. Only rows drawn before can be open.
    const couldBeOpen = redrawn && redrawn.until >= Date.now() ? redrawn.drawn : wasUnconfirmed ? previouslyDrawn : undefined;
    if (!couldBeOpen) return;
    let added = false;
    for (const child of expandable) {
      const id = this.options.idOf(child);
      if (!couldBeOpen.has(id)) continue;
      this.unconfirmed.set(id, child);
      added = true;
    }
    if (added) this.armSettle();
  }

  dispose(): void {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
    this.unconfirmed.clear();
    this.awaitingFetch.clear();
    this.drawnChildren.clear();
  }

  private armSettle(): void {
    // Re-armed on every fetch: the workbench's refresh walks the open rows one level at a time.
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      const rows = [...this.unconfirmed.values()];
      this.unconfirmed.clear();
      const now = Date.now();
      for (const [id, { until }] of this.awaitingFetch) if (until < now) this.awaitingFetch.delete(id);
      if (rows.length > 0) this.options.redrawAgain(rows);
    }, this.settleMs);
  }
}
