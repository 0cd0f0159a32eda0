// How VS Code's extension host (ExtHostTreeView, checked against code-server 4.100.3's
// extensionHostProcess.js) caches a tree: the only part of `vscode` the Clusters tree tests
// need to reproduce a row that loses its children. The rules copied here:
// - fetching children clears the element's cached children, looks up the element's node
//   BEFORE awaiting the provider, and registers the answer under that node;
// - registering an id that is still registered throws "Element with id … is already registered";
// - a targeted refresh clears the element's children and replaces its node with a new one;
// - an element the cache does not know has no children (and a refresh of it is dropped).

export interface HostProvider<E> {
  getChildren(element?: E): Promise<E[]>;
}

interface HostNode<E> {
  readonly handle: string;
  readonly element: E;
  readonly parent?: HostNode<E>;
  children?: HostNode<E>[];
}

export class ExtHostTreeCache<E> {
  private readonly elements = new Map<string, E>();
  private readonly nodes = new Map<E, HostNode<E>>();
  private roots?: HostNode<E>[];

  constructor(
    private readonly provider: HostProvider<E>,
    private readonly idOf: (element: E) => string,
  ) {}

  /** What the workbench gets when it asks for an element's children. */
  async getChildren(element?: E): Promise<E[]> {
    if (element !== undefined && !this.nodes.has(element)) return [];
    const cached = element === undefined ? this.roots : this.nodes.get(element)!.children;
    const nodes = cached ?? (await this.fetch(element));
    return nodes.map((n) => n.element);
  }

  /** onDidChangeTreeData for one element, once VS Code's debounce lets it through. */
  async refresh(element: E): Promise<boolean> {
    const existing = this.nodes.get(element);
    if (!existing) return false;
    this.clearChildren(element);
    await Promise.resolve(); // getTreeItem is awaited
    const fresh: HostNode<E> = { handle: existing.handle, element, parent: existing.parent };
    this.nodes.set(element, fresh);
    this.elements.set(fresh.handle, element);
    const siblings = existing.parent ? existing.parent.children : this.roots;
    if (siblings) siblings.splice(siblings.indexOf(existing), 1, fresh);
    return true;
  }

  /** The whole tree redrawn. */
  refreshRoot(): void {
    this.roots = undefined;
    this.elements.clear();
    this.nodes.clear();
  }

  private async fetch(parent?: E): Promise<HostNode<E>[]> {
    this.clearChildren(parent);
    const parentNode = parent === undefined ? undefined : this.nodes.get(parent);
    const elements = await this.provider.getChildren(parent);
    await Promise.resolve(); // getTreeItem for each child is awaited
    return elements.map((element) => {
      const handle = this.idOf(element);
      if (this.elements.has(handle)) throw new Error(`Element with id ${handle} is already registered`);
      const node: HostNode<E> = { handle, element, parent: parentNode };
      this.elements.set(handle, element);
      this.nodes.set(element, node);
      if (parentNode) (parentNode.children ??= []).push(node);
      else (this.roots ??= []).push(node);
      return node;
    });
  }

  private clearChildren(parent?: E): void {
    if (parent === undefined) return this.refreshRoot();
    const node = this.nodes.get(parent);
    if (!node) return;
    for (const child of node.children ?? []) this.forget(child);
    node.children = undefined;
  }

  private forget(node: HostNode<E>): void {
    for (const child of node.children ?? []) this.forget(child);
    this.nodes.delete(node.element);
    this.elements.delete(node.handle);
  }
}
