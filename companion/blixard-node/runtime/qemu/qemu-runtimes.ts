// The command line's `--runtime qemu`: one QemuRuntime per node, each with its own state folder.

import * as path from 'node:path';
import { QemuRuntime } from './qemu-runtime';
import { blixardCacheDir } from './test-guest';

/** Default root of the nodes' QEMU state folders: ~/.cache/blixard-migrations/node-state. */
export function defaultQemuStateRoot(): string {
  return path.join(blixardCacheDir(), 'node-state');
}

/** What cli-options.ts parsed that the qemu runtime reads (CommonOptions; not imported: the runtime stays apart from rpc/). */
export interface QemuCommandLine {
  command: 'node' | 'dev-cluster';
  runtimeKind: string;
  runtime: { bandwidthMbps?: number; maxDowntimeMs?: number };
  qemu: { stateDir?: string; autoConverge: boolean; stallTimeoutMs?: number };
}

/**
 * A runtime per node id, or undefined for the simulated runtime. A daemon's --state-dir is its own
 * folder; dev-cluster's is the root under which node-ID folders go.
 */
export function qemuRuntimes(cmd: QemuCommandLine, log: (line: string) => void): ((nodeId: number) => QemuRuntime) | undefined {
  if (cmd.runtimeKind !== 'qemu') return undefined;
  return (nodeId) =>
    new QemuRuntime({
      stateDir: cmd.command === 'node' && cmd.qemu.stateDir ? cmd.qemu.stateDir : path.join(cmd.qemu.stateDir ?? defaultQemuStateRoot(), `node-${nodeId}`),
      bandwidthMbps: cmd.runtime.bandwidthMbps,
      maxDowntimeMs: cmd.runtime.maxDowntimeMs,
      autoConverge: cmd.qemu.autoConverge,
      stallTimeoutMs: cmd.qemu.stallTimeoutMs,
      // A dev cluster's store ends with it: guests left running would belong to no one.
      killGuestsOnClose: cmd.command === 'dev-cluster',
      log: (line) => log(`[node ${nodeId}] ${line}`),
    });
}
