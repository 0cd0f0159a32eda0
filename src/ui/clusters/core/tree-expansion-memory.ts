// Which rows of the Clusters tree the user left expanded or collapsed, by element id, kept across
// window reloads the way VS Code's own trees keep theirs. VS Code reports expand/collapse; what
// is remembered becomes the item's collapsibleState the next time the tree is built. No `vscode`
// here: the store behind it is the workspace memento, handed in as two functions.

/** Where the remembered states live between windows (the workspace memento in the extension). */
export interface ExpansionStore {
  read(): unknown;
  write(states: Record<string, boolean>): void;
}

/** Enough for every row a person keeps open; older entries go first when it is full. */
const MAX_REMEMBERED = 500;

export class TreeExpansionMemory {
  /** id → expanded; insertion order is recency (a changed id moves to the end). */
  private readonly states = new Map<string, boolean>();

  constructor(private readonly store?: ExpansionStore) {
    const saved = store?.read();
    if (saved && typeof saved === 'object' && !Array.isArray(saved)) {
      for (const [id, expanded] of Object.entries(saved as Record<string, unknown>)) {
        if (typeof expanded === 'boolean' && id.length > 0 && id.length <= 1000) this.states.set(id, expanded);
      }
    }
  }

  /** The remembered state of a row, or undefined when the user never toggled it. */
  isExpanded(id: string): boolean | undefined {
    return this.states.get(id);
  }

  set(id: string, expanded: boolean): void {
    if (this.states.get(id) === expanded) return;
    this.states.delete(id);
    this.states.set(id, expanded);
    while (this.states.size > MAX_REMEMBERED) this.states.delete(this.states.keys().next().value as string);
    this.store?.write(Object.fromEntries(this.states));
  }
}
