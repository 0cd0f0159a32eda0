// What the dialog's end-to-end test needs besides the shared workbench support: a dev cluster
// slow enough to watch a live migration, and a tree row found by its exact label.

import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { parseDevClusterReadyLine } from '../../src/ui/dev-cluster/core/dev-cluster-process';

export class SlowDevCluster {
  private constructor(
    private readonly child: ChildProcess,
    readonly endpoints: string[],
  ) {}

  /**
   * Three nodes whose live-migration link is slow (a 2 GiB guest takes several seconds): the stepper can be watched.
   * A dirty rate at or above the bandwidth makes every live migration one that cannot converge.
   */
  static start(repoRoot: string, bandwidthMbps = 2500, dirtyRateMbps = 200): Promise<SlowDevCluster> {
    const script = path.join(repoRoot, 'dist', 'companion', 'blixard-node.js');
    const child = spawn(
      process.execPath,
      [script, 'dev-cluster', '--nodes', '3', '--base-port', '0', '--vms', '6', '--bandwidth-mbps', String(bandwidthMbps), '--dirty-rate-mbps', String(dirtyRateMbps), '--boot-ms', '200', '--quiet'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return new Promise((resolve, reject) => {
      let buffered = '';
      const lines: string[] = [];
      const timer = setTimeout(() => fail(new Error(`the dev cluster did not start within 30 s:\n${lines.join('\n')}`)), 30_000);
      const fail = (err: Error) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(err);
      };
      const onData = (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        let i: number;
        while ((i = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, i);
          buffered = buffered.slice(i + 1);
          lines.push(line);
          const endpoints = parseDevClusterReadyLine(line);
          if (endpoints) {
            clearTimeout(timer);
            resolve(new SlowDevCluster(child, endpoints));
          }
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => fail(new Error(`the dev cluster exited (code ${code}):\n${lines.join('\n')}`)));
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** A row of the Clusters tree by its label (the first text of the row). */
export function treeRow(page: Page, label: string): Locator {
  return page.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
}

/** The quick-pick row whose label is exactly `label` (fuzzy matching ranks look-alikes first at times). */
export function exactQuickPickRow(page: Page, label: string): Locator {
  const exact = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  return page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) }).first();
}

/** "Blixard: Migrate VM…" from the palette: the cluster, then the VM, each typed and clicked. */
export async function pickVmFromPalette(workbench: { page: Page; runCommand(title: string): Promise<void> }, clusterLabel: string, vm: string): Promise<void> {
  const page = workbench.page;
  await workbench.runCommand('Blixard: Migrate VM…');
  const input = page.locator('.quick-input-widget input');
  await exactQuickPickRow(page, clusterLabel).waitFor({ timeout: 30_000 });
  await input.fill(clusterLabel);
  await exactQuickPickRow(page, clusterLabel).click();
  await exactQuickPickRow(page, vm).waitFor({ timeout: 60_000 });
  await input.fill(vm);
  await exactQuickPickRow(page, vm).click();
}
