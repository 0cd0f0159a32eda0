// Bundles the integration suite (run() entry + every *.test.ts) into out/test/integration/
// for the extension host to load. Packages stay external: they resolve from the repository's
// node_modules at run time, so mocha in the host is the project's own mocha.

import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const integrationOutDir = path.join(repoRoot, 'out', 'test', 'integration');

export async function buildIntegrationBundle(): Promise<{ entry: string; suites: string[] }> {
  const suitesDir = path.join(repoRoot, 'test', 'integration', 'suites');
  const suites = readdirSync(suitesDir)
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => path.join(suitesDir, f));
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
    suites: suites.map((s) => path.join(integrationOutDir, 'suites', path.basename(s).replace(/\.ts$/, '.js'))),
  };
}
