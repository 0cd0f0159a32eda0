// The import graph of our own code, read the way the bundler resolves it: every static import,
// `export … from`, dynamic `import()` and `require()` — type-only imports included, since a type
// cycle ties modules together as surely as a value one. Used by the layering and cycle checks.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export const REPO_ROOT = path.resolve(__dirname, '../../..');

export interface ModuleImports {
  /** Repository-relative path, forward slashes. */
  readonly file: string;
  /** Our own modules this one imports (repository-relative paths). */
  readonly local: readonly string[];
  /** Everything else it names: 'vscode', 'node:fs', package names. */
  readonly external: readonly string[];
}

export function listTypeScriptFiles(...folders: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(REPO_ROOT, dir))) {
      const rel = `${dir}/${entry}`;
      if (statSync(path.join(REPO_ROOT, rel)).isDirectory()) walk(rel);
      else if (/\.ts$/.test(entry) && !entry.endsWith('.d.ts')) out.push(rel);
    }
  };
  for (const folder of folders) walk(folder);
  return out.sort();
}

export function readImports(file: string): ModuleImports {
  const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  const info = ts.preProcessFile(text, true, true);
  const local: string[] = [];
  const external: string[] = [];
  for (const { fileName: spec } of info.importedFiles) {
    if (spec.startsWith('.')) {
      const resolved = resolveLocal(path.posix.join(path.posix.dirname(file), spec));
      if (resolved) local.push(resolved);
      else throw new Error(`${file} imports ${spec}, which resolves to no file`);
    } else external.push(spec);
  }
  return { file, local: [...new Set(local)], external: [...new Set(external)] };
}

function resolveLocal(base: string): string | undefined {
  for (const candidate of [`${base}.ts`, `${base}/index.ts`, base]) {
    try {
      if (statSync(path.join(REPO_ROOT, candidate)).isFile()) return candidate;
    } catch {
      /* not this one */
    }
  }
  return undefined;
}

/** Strongly connected components with more than one module (or a module importing itself): Tarjan. */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    indexOf.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indexOf.has(v)) visit(v);
  return cycles;
}
