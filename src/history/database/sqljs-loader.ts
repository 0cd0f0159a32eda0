// Loads sql.js and its WebAssembly once per process. The wasm file is found, in order: at the
// path the caller gives; in node_modules (running from source, tests); next to the bundle
// (dist/extension.js → dist/sql-wasm.wasm) or one folder up (dist/cli/… → dist/sql-wasm.wasm).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SqlJsStatic } from 'sql.js';
import { HistoryError } from '../history-error';

const WASM_NAME = 'sql-wasm.wasm';
const loaded = new Map<string, Promise<SqlJsStatic>>();

export function wasmCandidates(): string[] {
  const candidates: string[] = [];
  try {
    candidates.push(require.resolve('sql.js/dist/sql-wasm.wasm'));
  } catch {
    // not installed next to us: a bundled build, look beside it
  }
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  candidates.push(path.join(here, WASM_NAME), path.join(here, '..', WASM_NAME));
  return candidates;
}

export function locateWasm(explicitPath?: string): string {
  if (explicitPath) {
    if (!existsSync(explicitPath)) throw new HistoryError('wasm-not-found', `sql.js WebAssembly file not found at ${explicitPath}.`);
    return explicitPath;
  }
  const candidates = wasmCandidates();
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new HistoryError('wasm-not-found', `sql.js WebAssembly file (${WASM_NAME}) not found; looked in: ${candidates.join(', ')}.`);
  return found;
}

export function loadSqlJs(wasmPath?: string): Promise<SqlJsStatic> {
  const file = locateWasm(wasmPath);
  let pending = loaded.get(file);
  if (!pending) {
    pending = (async () => {
      // Required lazily: sql.js costs tens of milliseconds to load, and activation must stay cheap.
      const mod = await import('sql.js');
      const init = ((mod as { default?: unknown }).default ?? mod) as (config: { wasmBinary: ArrayBuffer }) => Promise<SqlJsStatic>;
      const bytes = readFileSync(file);
      return init({ wasmBinary: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
    })();
    loaded.set(file, pending);
    pending.catch(() => loaded.delete(file));
  }
  return pending;
}
