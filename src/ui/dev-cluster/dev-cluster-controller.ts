// "Start/Stop Local Dev Cluster": runs three Blixard nodes from the extension's own folder,
// shows them in the tree as "Local dev cluster" (in memory, never written to settings), and
// stops them with the command or when the window goes away.

import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ClusterRegistry } from '../../sources/cluster-registry';
import { localBlixardSpec } from '../../sources/create-sources';
import { DevClusterProcess } from './core/dev-cluster-process';
import type { ExtensionLog } from '../common/extension-log';

export const DEV_CLUSTER_ID = 'blixard-dev:local';
export const DEV_CLUSTER_LABEL = 'Local dev cluster';
/** The datacenter `npm start` puts its own dev cluster in; the window's dev cluster joins it when it exists. */
export const LOCAL_DATACENTER = 'local';

export class DevClusterController implements vscode.Disposable {
  private process?: DevClusterProcess;
  private starting?: Promise<string[]>;

  constructor(
    private readonly extensionPath: string,
    private readonly registry: ClusterRegistry,
    private readonly log: ExtensionLog,
    private readonly pollIntervalMs: () => number,
  ) {}

  get running(): boolean {
    return !!this.process?.running;
  }

  /** The running cluster's gRPC endpoints. */
  get endpoints(): readonly string[] | undefined {
    return this.process?.running ? this.process.endpoints : undefined;
  }

  /** Starts the cluster (or returns the running one's endpoints). */
  start(options: { nodes?: number; vms?: number } = {}): Promise<string[]> {
    if (this.process?.running) return Promise.resolve([...this.process.endpoints]);
    if (this.starting) return this.starting;
    this.starting = (async () => {
      const script = path.join(this.extensionPath, 'dist', 'companion', 'blixard-node.js');
      this.log.info(`Starting the local dev cluster (${options.nodes ?? 3} nodes)…`);
      const cluster = await DevClusterProcess.start({
        script,
        nodes: options.nodes,
        vms: options.vms,
        onOutput: (line) => this.log.debug(`[dev-cluster] ${line}`),
      });
      this.process = cluster;
      this.log.info(`Local dev cluster ready: ${cluster.endpoints.join(', ')}`);
      const datacenter = this.registry.clusters.some((c) => c.spec.datacenter === LOCAL_DATACENTER) ? { datacenter: LOCAL_DATACENTER } : {};
      this.registry.addLocal(localBlixardSpec({ id: DEV_CLUSTER_ID, label: DEV_CLUSTER_LABEL, endpoints: cluster.endpoints, pollIntervalMs: this.pollIntervalMs(), ...datacenter }));
      void vscode.commands.executeCommand('setContext', 'blixard.devClusterRunning', true);
      void cluster.exit.then((code) => {
        if (this.process !== cluster) return;
        this.process = undefined;
        this.registry.removeLocal(DEV_CLUSTER_ID);
        void vscode.commands.executeCommand('setContext', 'blixard.devClusterRunning', false);
        this.log.warn(`The local dev cluster stopped unexpectedly (exit code ${code}).`);
      });
      return [...cluster.endpoints];
    })().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const cluster = this.process;
    if (!cluster) return;
    this.process = undefined;
    this.registry.removeLocal(DEV_CLUSTER_ID);
    void vscode.commands.executeCommand('setContext', 'blixard.devClusterRunning', false);
    await cluster.stop();
    this.log.info('Local dev cluster stopped.');
  }

  dispose(): void {
    void this.stop();
  }
}
