// Imported first by main.ts, so it runs before the heavy imports and the cluster's startup: the
// parent pid has to be read while the parent still lives. Read later, a parent killed in the
// meantime (an extension host killed -9 while its dev cluster boots) would already have been
// replaced by the reaper, and --exit-with-parent would wait for a change that never comes.
export const PARENT_AT_START = process.ppid;
