// Bundles the integration suite (run() entry + every *.test.ts) into out/test/integration/
// for the extension host to load. Packages stay external: they resolve from the repository's
// node_modules at run time, so mocha in the host is the project's own mocha.

import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const integrationOutDir = path.join(repoRoot, 'out', 'test', 'integration');

/** The folders of suites, one per kind of test window (launch.ts). */
const SUITE_DIRS = ['suites', 'untrusted-window'] as const;

export async function buildIntegrationBundle(): Promise<{ entry: string; suites: string[]; sources: Record<(typeof SUITE_DIRS)[number], string[]> }> {
  const sources = Object.fromEntries(
    SUITE_DIRS.map((dir) => {
      const suitesDir = path.join(repoRoot, 'test', 'integration', dir);
      return [dir, readdirSync(suitesDir).filter((f) => f.endsWith('.test.ts')).sort().map((f) => path.join(suitesDir, f))];
    }),
  ) as Record<(typeof SUITE_DIRS)[number], string[]>;
  const suites = SUITE_DIRS.flatMap((dir) => sources[dir]);
  await esbuild.build({
    entryPoints: [path.join(repoRoot, 'test', 'integration', 'index.ts'), ...suites],
    outdir: integrationOutDir,
    outbase: path.join(repoRoot, 'test', 'integration'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    packages: 'external',
    external: ['vscode'],
    logLevel: 'warning',
  });
  return {
    entry: path.join(integrationOutDir, 'index.js'),
    suites: suites.map((s) => path.join(integrationOutDir, path.basename(path.dirname(s)), path.basename(s).replace(/\.ts$/, '.js'))),
    sources,
  };
}
