// The daemon's domain (node-operations, agent/, state/, store/, runtime/, errors) knows nothing of
// gRPC: it never reaches rpc/ or a gRPC package, not even through another file. And gRPC status
// codes are named in one place only, rpc/status-table.ts.

import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const DAEMON = path.join(__dirname, '../../companion/blixard-node');
/** Where the daemon is put together and started: these may wire the domain to rpc/. */
const COMPOSITION_ROOTS = new Set(['node-daemon.ts', 'dev-cluster.ts', 'main.ts', 'cli-options.ts']);
const GRPC_PACKAGES = /^@grpc\//;

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return sourcesUnder(full);
    return entry.endsWith('.ts') ? [full] : [];
  });
}

/** Every module specifier a file names: static and dynamic imports, re-exports, require(). */
function specifiersOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g)) found.push(m[1]);
  return found;
}

function resolveRelative(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  return [`${base}.ts`, path.join(base, 'index.ts'), base].find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

/** The first chain of imports from `file` that ends in rpc/ or a gRPC package, if any. */
function pathToGrpc(file: string, seen = new Set<string>()): string[] | undefined {
  if (seen.has(file)) return undefined;
  seen.add(file);
  for (const specifier of specifiersOf(file)) {
    if (GRPC_PACKAGES.test(specifier)) return [specifier];
    if (!specifier.startsWith('.')) continue;
    const target = resolveRelative(file, specifier);
    if (!target) continue;
    const shown = path.relative(DAEMON, target);
    if (shown.startsWith(`rpc${path.sep}`)) return [shown];
    if (!target.startsWith(DAEMON)) continue;
    const rest = pathToGrpc(target, seen);
    if (rest) return [shown, ...rest];
  }
  return undefined;
}

const domainFiles = sourcesUnder(DAEMON).filter((file) => {
  const relative = path.relative(DAEMON, file);
  return !relative.startsWith(`rpc${path.sep}`) && !COMPOSITION_ROOTS.has(relative);
});

describe('blixard-node layering: the domain is independent of gRPC', () => {
  it('finds the domain files (node-operations, errors, agent/, state/, store/, runtime/)', () => {
    const relative = domainFiles.map((f) => path.relative(DAEMON, f));
    for (const expected of ['node-operations.ts', 'errors.ts', 'agent/node-agent.ts', 'state/cluster-view.ts', 'store/memory-store.ts', 'runtime/vm-runtime.ts']) {
      assert.ok(relative.includes(expected.split('/').join(path.sep)), `${expected} is a domain file`);
    }
  });

  it('no domain file reaches rpc/ or @grpc/*, directly or through other files', () => {
    const leaks = domainFiles.flatMap((file) => {
      const chain = pathToGrpc(file);
      return chain ? [`${path.relative(DAEMON, file)} → ${chain.join(' → ')}`] : [];
    });
    assert.deepEqual(leaks, [], `the domain imports gRPC; throw an error of errors.ts and map it in rpc/status-table.ts instead:\n${leaks.join('\n')}`);
  });

  it('gRPC status codes are named only in rpc/status-table.ts', () => {
    const naming = sourcesUnder(DAEMON)
      .filter((file) => path.relative(DAEMON, file) !== path.join('rpc', 'status-table.ts'))
      .filter((file) => /\bstatus\.[A-Z][A-Z_]+\b/.test(readFileSync(file, 'utf8')))
      .map((file) => path.relative(DAEMON, file));
    assert.deepEqual(naming, [], 'a status code outside the table: add the error to rpc/status-table.ts');
  });
});
