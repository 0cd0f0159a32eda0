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
  /** How long the workbench gets to fetch an open row's children after fetching its parent's. Default 500 ms. */
  readonly settleMs?: number;
  /** A redrawn row not fetched again within this time is one the workbench shows collapsed. Default 5 s. */
  readonly expireMs?: number;
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

  constructor(private readonly options: RedrawRaceGuardOptions<E>) {
    this.settleMs = options.settleMs ?? 500;
    this.expireMs = options.expireMs ?? 5000;
  }

  /** The tree told VS Code to redraw these rows (undefined: the whole tree). */
  redrawn(elements: readonly E[] | undefined): void {
    const until = Date.now() + this.expireMs;
    const keys = elements ? elements.filter((e) => this.options.isExpandable(e)).map((e) => this.options.idOf(e)) : [ROOT];
    for (const key of keys) {
      const drawn = this.drawnChildren.get(key);
      if (drawn && drawn.size > 0) this.awaitingFetch.set(key, { until, drawn });
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
