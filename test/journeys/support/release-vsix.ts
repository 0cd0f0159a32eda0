// The VSIX the journeys install: $BLIXARD_VSIX when given, else the repository's
// blixard-migrations-<version>.vsix, rebuilt with `scripts/package.ts` when it is missing or
// older than anything that goes into it — so the journeys always test what `npm run package`
// gives for the current sources.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../e2e/support/code-server';

/** What the package is built from: a change to any of these makes the VSIX stale. */
const INPUTS = ['package.json', 'esbuild.mjs', '.vscodeignore', 'README.md', 'CHANGELOG.md', 'LICENSE', 'scripts/package.ts', 'src', 'companion', 'webview', 'proto', 'media'];

function newestChange(entry: string): number {
  const stat = statSync(entry, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const child of readdirSync(entry)) {
    if (child === 'screenshots' || child === 'node_modules') continue; // not packaged
    newest = Math.max(newest, newestChange(path.join(entry, child)));
  }
  return newest;
}

export function releaseVsixPath(): string {
  const { name, version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  return path.join(repoRoot, `${name}-${version}.vsix`);
}

/** The VSIX to install, building it first when needed. Throws with the packager's output on failure. */
export function ensureReleaseVsix(): string {
  const given = process.env.BLIXARD_VSIX;
  if (given) {
    if (!existsSync(given)) throw new Error(`BLIXARD_VSIX=${given} does not exist`);
    return path.resolve(given);
  }
  const vsix = releaseVsixPath();
  const builtAt = statSync(vsix, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const changedAt = Math.max(...INPUTS.map((i) => newestChange(path.join(repoRoot, i))));
  if (builtAt > changedAt) return vsix;
  console.log(`[journeys] ${builtAt ? 'the VSIX is older than its sources' : 'no VSIX yet'}: running scripts/package.ts`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts', 'package.ts')], { cwd: repoRoot, encoding: 'utf8' });
  if (result.status !== 0 || !existsSync(vsix)) {
    throw new Error(`npm run package failed (exit ${result.status}):\n${(result.stdout + result.stderr).split('\n').slice(-30).join('\n')}`);
  }
  console.log(`[journeys] ${result.stdout.trim().split('\n').slice(-2).join(' · ')}`);
  return vsix;
}
