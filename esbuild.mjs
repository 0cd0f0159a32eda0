// Bundles every shipped program: the extension host side, the webviews, the companion daemon
// and the headless CLI. `node esbuild.mjs [--watch] [--production]`.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, cpSync, chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  // etcd3 reads its .proto files from its own folder at run time (TESTING.md).
  external: ['vscode', 'etcd3'],
};

// The extension bundle leaves its heavy client libraries in bundles of their own under
// dist/vendor/, required the first time a cluster is used: parsing them inside extension.js
// (16 MB with client-node) cost ~190 ms on every activation, before any code ran.
const vendored = {
  '@kubernetes/client-node': 'vendor/client-node.js',
  '@grpc/grpc-js': 'vendor/grpc-js.js',
  '@grpc/proto-loader': 'vendor/proto-loader.js',
  // The migration history's SQLite, needed once the watcher starts after activation.
  'sql.js': 'vendor/sql-js.js',
  // Reads kubeconfig files to list contexts, once the Clusters view first renders.
  'js-yaml': 'vendor/js-yaml.js',
  // `blixard-migrations serve`'s HTTP server and metrics: the other commands never parse them.
  fastify: 'vendor/fastify.js',
  'prom-client': 'vendor/prom-client.js',
};
// `from` is the way from the bundle's folder to dist/ (the CLI sits one level down, in dist/cli/).
const requireVendorBundles = (from = './') => ({
  name: 'require-vendor-bundles',
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(vendored).map((n) => n.replace(/[/.]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, (args) => ({ path: `${from}${vendored[args.path]}`, external: true }));
  },
});
const vendorBuilds = Object.entries(vendored).map(([pkg, out]) => ({
  ...node,
  sourcemap: false,
  stdin: { contents: `module.exports = require(${JSON.stringify(pkg)});`, resolveDir: root, loader: 'js' },
  outfile: `dist/${out}`,
}));

// The extension host requires dist/extension.js on every activation; parsing and running the
// top level of all 600 kB of our own code cost 35–43 ms there. What activation does not use is
// split into chunks required on first use: esbuild splits only ESM, so the extension is built as
// ESM with splitting into out/extension-esm/, and each file converted to CommonJS into dist/
// (import() becomes require(); shared modules sit in one chunk each, so every module — the secret
// registry, the error classes — still has one instance). Besides import() (the dialog, the
// history panel), the split points are the modules the code require()s lazily, made entries
// here: a require() of one becomes a require() of its file.
const lazyEntries = {
  'extension-lazy-blixard-source': 'src/sources/blixard/blixard-source.ts',
  'extension-lazy-kubevirt-source': 'src/sources/kubevirt/kubevirt-source.ts',
  'extension-lazy-watch-session': 'src/watch/watch-session.ts',
  'extension-lazy-history': 'src/history/index.ts',
  'extension-lazy-migrations-feature': 'src/ui/migrations/migrations-feature.ts',
};
const lazyEntryOf = new Map(Object.entries(lazyEntries).map(([name, file]) => [path.join(root, file), name]));
const requireLazyEntries = {
  name: 'require-lazy-entries',
  setup(build) {
    build.onResolve({ filter: /^\./ }, (args) => {
      if (args.kind !== 'require-call') return undefined;
      const base = path.resolve(args.resolveDir, args.path);
      const name = lazyEntryOf.get(`${base}.ts`) ?? lazyEntryOf.get(path.join(base, 'index.ts'));
      return name ? { path: `./${name}.js`, external: true } : undefined;
    });
  },
};
const esmDir = path.join(root, 'out', 'extension-esm');
const convertToCommonJs = {
  name: 'convert-to-commonjs',
  setup(build) {
    build.onStart(() => rmSync(esmDir, { recursive: true, force: true }));
    build.onEnd(async (result) => {
      if (result.errors.length > 0) return;
      const files = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'));
      // esbuild reads each file's source map, so dist/'s maps still lead to src/.
      await Promise.all(
        files.map(async (f) => {
          const outfile = path.join(root, 'dist', path.basename(f));
          await esbuild.build({ ...node, bundle: false, external: undefined, entryPoints: [f], outfile, supported: { 'dynamic-import': false } });
          // Each module's `import * as vscode` became its own `__toESM(require("vscode"))`: a copy
          // of every property of the API object with a getter each, 19 times over in what
          // activation loads — in the host most of the bundle's require() time. The API object
          // itself serves as the namespace (no module uses a default import of vscode). Same
          // line count, so the source maps still hold.
          const code = readFileSync(outfile, 'utf8');
          const direct = code.replaceAll('__toESM(require("vscode"))', 'require("vscode")');
          if (direct !== code) writeFileSync(outfile, direct);
        }),
      );
      // Chunks of earlier builds (their names carry a content hash) would pile up in dist/.
      const current = new Set(files.map((f) => path.basename(f)));
      for (const f of readdirSync(path.join(root, 'dist'))) {
        if (/^extension-(chunk|lazy)-.*\.js(\.map)?$/.test(f) && !current.has(f.replace(/\.map$/, ''))) rmSync(path.join(root, 'dist', f));
      }
    });
  },
};

const builds = [
  {
    ...node,
    entryPoints: { extension: 'src/extension.ts', ...lazyEntries },
    format: 'esm',
    splitting: true,
    outdir: esmDir,
    chunkNames: 'extension-chunk-[hash]',
    // __dirname-relative paths (sql-wasm.wasm, the proto) and ./vendor/ hold because every file lands in dist/ itself.
    sourcemap: production ? false : 'linked',
    metafile: true,
    plugins: [requireVendorBundles(), requireLazyEntries, convertToCommonJs],
  },
  ...vendorBuilds,
  {
    ...node,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli/blixard-migrations.js',
    banner: { js: '#!/usr/bin/env node' },
    // `history` and `--help` must not parse 16 MB of client libraries they never use.
    plugins: [requireVendorBundles('../')],
    supported: { 'dynamic-import': false },
  },
  { ...node, entryPoints: ['companion/blixard-node/main.ts'], outfile: 'dist/companion/blixard-node.js', banner: { js: '#!/usr/bin/env node' } },
  // The migration history's worker thread (src/history/worker/), for the extension and the CLI's watch alike.
  { ...node, entryPoints: ['src/history/worker/history-worker.ts'], outfile: 'dist/history-worker.js', plugins: [requireVendorBundles()] },
  {
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: production ? false : 'linked',
    minify: production,
    logLevel: 'warning',
    entryPoints: ['webview/dialog/main.ts', 'webview/history/main.ts'].filter((p) => existsSync(path.join(root, p))),
    outdir: 'dist/webview',
    entryNames: '[dir]',
    outbase: 'webview',
  },
].filter((b) => b.stdin || (Object.values(b.entryPoints).every((p) => existsSync(path.join(root, p))) && Object.values(b.entryPoints).length > 0));

function copyRuntimeFiles() {
  mkdirSync(path.join(root, 'dist'), { recursive: true });
  // The proto contract is loaded at run time by both client and daemon.
  cpSync(path.join(root, 'proto'), path.join(root, 'dist/proto'), { recursive: true });
  const wasm = path.join(root, 'node_modules/sql.js/dist/sql-wasm.wasm');
  if (existsSync(wasm)) cpSync(wasm, path.join(root, 'dist/sql-wasm.wasm'));
  for (const bin of ['dist/cli/blixard-migrations.js', 'dist/companion/blixard-node.js']) {
    if (existsSync(path.join(root, bin))) chmodSync(path.join(root, bin), 0o755);
  }
}

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
  copyRuntimeFiles();
  console.log('[esbuild] watching');
} else {
  const started = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  copyRuntimeFiles();
  console.log(`[esbuild] built ${builds.length} bundle(s) in ${Date.now() - started} ms`);
}
