// The workbench's side of a tree view (VS Code 1.100's TreeView over an AsyncDataTree, checked
// against code-server 4.100.3's workbench.js): which rows are open and what each one draws.
// The rules copied here:
// - expanding a row fetches its children through the extension host and draws the answer, even
//   an empty one;
// - a redraw of a row re-fetches it if it is open, then re-fetches the open rows below it that
//   were open when the refresh began; a row whose own fetch is under way at that moment is not
//   fetched a second time (the tree waits for the fetch it has), so it keeps that fetch's answer;
// - a redraw of a collapsed row fetches nothing.

import type { ExtHostTreeCache } from './ext-host-tree-cache';

export class WorkbenchTree<E> {
  private readonly open = new Set<string>();
  private readonly drawn = new Map<string, E[]>();
  private readonly fetching = new Set<string>();

  constructor(
    private readonly host: ExtHostTreeCache<E>,
    private readonly idOf: (element: E) => string,
  ) {}

  /** The user clicks a row's twistie. */
  async expand(element: E): Promise<E[]> {
    const id = this.idOf(element);
    this.open.add(id);
    return this.fetch(element);
  }

  /** What an open row shows under it (undefined: not open). */
  childrenShown(element: E): readonly E[] | undefined {
    const id = this.idOf(element);
    return this.open.has(id) ? (this.drawn.get(id) ?? []) : undefined;
  }

  /** onDidChangeTreeData for these rows reached the workbench ($refresh through the host). */
  async redraw(elements: readonly E[]): Promise<void> {
    const openBefore = new Set(this.open);
    const refreshed: E[] = [];
    for (const e of elements) if (await this.host.refresh(e)) refreshed.push(e);
    for (const e of refreshed) await this.refetchOpen(e, openBefore);
  }

  private async refetchOpen(element: E, openBefore: ReadonlySet<string>): Promise<void> {
    const id = this.idOf(element);
    if (!openBefore.has(id) || this.fetching.has(id)) return;
    const children = await this.fetch(element);
    for (const child of children) await this.refetchOpen(child, openBefore);
  }

  private async fetch(element: E): Promise<E[]> {
    const id = this.idOf(element);
    this.fetching.add(id);
    try {
      const children = await this.host.getChildren(element);
      this.drawn.set(id, children);
      return children;
    } finally {
      this.fetching.delete(id);
    }
  }
}
