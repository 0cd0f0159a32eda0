// `npm run package`: the release VSIX, blixard-migrations-<version>.vsix at the repository root.
//
// The release build happens in a staging copy of the sources (node_modules linked), so it never
// rewrites the working dist/ others are testing against and never ships a leftover from it.
// Steps: `node esbuild.mjs --production`; etcd3 (which reads its .proto files from its own
// folder at run time, so the companion keeps it external) bundled into dist/node_modules/etcd3
// next to those .proto files, with cockatiel beside it; `vsce package --no-dependencies`
// filtered by .vscodeignore; then a check of what went in, its size and file count.
//
//   node --import tsx scripts/package.ts [--out FILE]

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listVsix } from './vsix-archive';

const root = path.resolve(__dirname, '..');
const MAX_BYTES = 5 * 1024 * 1024;

/** What the release build needs from the working tree. */
const STAGED = ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore', 'esbuild.mjs', 'tsconfig.json', 'proto', 'media', 'schemas', 'src', 'companion', 'webview'];

/**
 * Files the installed extension cannot work without (paths inside the VSIX's extension/ folder;
 * vsce stores the readme and changelog in lower case and the licence as LICENSE.txt).
 */
const REQUIRED = [
  'package.json',
  'readme.md',
  'changelog.md',
  'LICENSE.txt',
  'media/icon.png',
  'media/dialog.css',
  'media/history.css',
  'media/blixard.svg',
  'schemas/blixard-plan.schema.json',
  'dist/extension.js',
  'dist/vendor/client-node.js',
  'dist/vendor/grpc-js.js',
  'dist/vendor/proto-loader.js',
  'dist/webview/dialog.js',
  'dist/webview/history.js',
  'dist/cli/blixard-migrations.js',
  'dist/companion/blixard-node.js',
  'dist/proto/blixard.proto',
  'dist/sql-wasm.wasm',
  'dist/node_modules/etcd3/lib/index.js',
  'dist/node_modules/etcd3/proto/rpc.proto',
  'dist/node_modules/cockatiel/index.js',
];

/** What must never be shipped. */
const FORBIDDEN = [/^extension\/(src|test|bench|scripts|companion|webview|out)\//, /^extension\/node_modules\//, /\.map$/, /\.ts$/, /^extension\/\.test-artifacts\//, /^extension\/media\/screenshots\//];

function fail(message: string): never {
  console.error(`package: ${message}`);
  process.exit(1);
}

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) fail(`${path.basename(command)} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
}

function stage(): string {
  const staging = mkdtempSync(path.join(os.tmpdir(), 'blixard-package-'));
  for (const item of STAGED) {
    const from = path.join(root, item);
    if (!existsSync(from)) fail(`${item} is missing from the working tree`);
    cpSync(from, path.join(staging, item), { recursive: true });
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(staging, 'node_modules'), 'dir');
  return staging;
}

/**
 * etcd3 as a self-contained package under dist/node_modules, where the companion's
 * `require('etcd3')` finds it: one minified bundle in lib/ (its gRPC stack inside) with its
 * .proto files at ../proto as it expects, and cockatiel as a package of its own, because the
 * companion builds its retry policies from the very cockatiel etcd3 uses.
 */
async function bundleEtcd3(staging: string): Promise<void> {
  const esbuild = await import('esbuild');
  const modules = path.join(staging, 'dist', 'node_modules');
  const etcd3Dir = path.join(root, 'node_modules', 'etcd3');
  const cockatielDir = path.join(root, 'node_modules', 'cockatiel');
  const common = { bundle: true, platform: 'node' as const, target: 'node20', format: 'cjs' as const, minify: true, logLevel: 'warning' as const, legalComments: 'inline' as const };
  await esbuild.build({
    ...common,
    stdin: { contents: "module.exports = require('etcd3');", resolveDir: root, loader: 'js' },
    external: ['cockatiel'],
    outfile: path.join(modules, 'etcd3', 'lib', 'index.js'),
  });
  await esbuild.build({
    ...common,
    stdin: { contents: "module.exports = require('cockatiel');", resolveDir: etcd3Dir, loader: 'js' },
    outfile: path.join(modules, 'cockatiel', 'index.js'),
  });
  cpSync(path.join(etcd3Dir, 'proto'), path.join(modules, 'etcd3', 'proto'), { recursive: true });
  for (const [dir, name] of [[etcd3Dir, 'etcd3'], [cockatielDir, 'cockatiel']] as const) {
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const main = name === 'etcd3' ? 'lib/index.js' : 'index.js';
    writeFileSync(path.join(modules, name, 'package.json'), JSON.stringify({ name, version: pkg.version, license: pkg.license, main }, null, 2) + '\n');
    cpSync(path.join(dir, 'LICENSE'), path.join(modules, name, 'LICENSE'));
  }
}

function check(vsixFile: string): void {
  const entries = listVsix(readFileSync(vsixFile)).filter((e) => !e.name.endsWith('/'));
  const names = new Set(entries.map((e) => e.name));
  const missing = REQUIRED.filter((f) => !names.has(`extension/${f}`));
  if (missing.length > 0) fail(`the VSIX lacks ${missing.join(', ')}`);
  const unwanted = entries.filter((e) => FORBIDDEN.some((re) => re.test(e.name))).map((e) => e.name);
  if (unwanted.length > 0) fail(`the VSIX carries files it must not: ${unwanted.slice(0, 10).join(', ')}`);
  const size = statSync(vsixFile).size;
  const unpacked = entries.reduce((sum, e) => sum + e.size, 0);
  const files = entries.filter((e) => e.name.startsWith('extension/')).length;
  const mb = (n: number) => (n / 1024 / 1024).toFixed(2);
  console.log(`${path.relative(process.cwd(), vsixFile) || vsixFile}: ${mb(size)} MB (${size} bytes), ${files} files in extension/ (${entries.length} zip entries), ${mb(unpacked)} MB unpacked`);
  if (size >= MAX_BYTES) fail(`the VSIX is ${mb(size)} MB; it must stay under ${mb(MAX_BYTES)} MB`);
}

async function main(): Promise<void> {
  const [major] = process.versions.node.split('.').map(Number);
  if (major < 20) fail(`Node ${process.versions.node} is too old; the build needs Node 20 or newer`);
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const outIndex = process.argv.indexOf('--out');
  const out = path.resolve(outIndex >= 0 ? process.argv[outIndex + 1] : path.join(root, `${manifest.name}-${manifest.version}.vsix`));

  const started = Date.now();
  const staging = stage();
  try {
    run(process.execPath, ['esbuild.mjs', '--production'], staging);
    await bundleEtcd3(staging);
    mkdirSync(path.dirname(out), { recursive: true });
    rmSync(out, { force: true });
    run(process.execPath, [path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--out', out], staging);
    check(out);
    console.log(`packaged in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

main().catch((err) => fail(err instanceof Error ? err.message : String(err)));
