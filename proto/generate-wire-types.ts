// Writes proto/gen/ — the TypeScript types of blixard.proto's messages and services — with
// @grpc/proto-loader's proto-loader-gen-types, using the options both sides load the proto with
// (wire-options.ts). Run by `npm run gen:wire`; the wire-types test runs it into a temporary
// folder and fails when the checked-in proto/gen/ differs.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BLIXARD_PROTO_LOADER_OPTIONS } from './wire-options';

const REPO_ROOT = path.resolve(__dirname, '..');
/** Relative to the repository, so the generated "Original file" lines do not depend on the machine. */
const PROTO_FILE = 'proto/blixard.proto';
export const GENERATED_DIR = path.join(REPO_ROOT, 'proto', 'gen');
export const REGENERATE_COMMAND = 'npm run gen:wire';

const HEADER = `// Generated from ${PROTO_FILE} by \`${REGENERATE_COMMAND}\` (proto-loader-gen-types); do not edit.\n`;

/** proto-loader-gen-types flags for the loader options, so the types cannot describe other options than the code loads with. */
export function generatorArguments(): string[] {
  const o = BLIXARD_PROTO_LOADER_OPTIONS;
  return [
    ...(o.keepCase ? ['--keepCase'] : []),
    '--longs', o.longs.name,
    '--enums', o.enums.name,
    ...(o.defaults ? ['--defaults'] : []),
    ...(o.oneofs ? ['--oneofs'] : []),
    '--includeComments',
    '--grpcLib', '@grpc/grpc-js',
  ];
}

/** Replaces `outDir` with freshly generated types. */
export function generateWireTypes(outDir: string = GENERATED_DIR): void {
  rmSync(outDir, { recursive: true, force: true });
  const generator = require.resolve('@grpc/proto-loader/build/bin/proto-loader-gen-types.js');
  execFileSync(process.execPath, [generator, ...generatorArguments(), '-O', outDir, PROTO_FILE], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  for (const file of listFiles(outDir)) writeFileSync(file, HEADER + readFileSync(file, 'utf8'));
}

/** Every file under `dir`, sorted, as absolute paths. */
export function listFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) found.push(...listFiles(full));
    else found.push(full);
  }
  return found;
}

if (require.main === module) {
  generateWireTypes();
  console.log(`wrote ${path.relative(REPO_ROOT, GENERATED_DIR)}/ from ${PROTO_FILE}`);
}
