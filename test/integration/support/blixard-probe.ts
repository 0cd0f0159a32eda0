// Talks to Blixard daemons directly over gRPC, independently of the extension: the suites
// read the truth from here and change VMs behind the extension's back.

import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export interface ProbeVm {
  name: string;
  state: string;
  nodeId: string;
  vcpus: number;
  memoryMb: number;
  ipAddress: string;
}

type Unary = (request: object, metadata: grpc.Metadata, options: grpc.CallOptions, callback: (err: grpc.ServiceError | null, response: unknown) => void) => void;

export class BlixardProbe {
  private readonly client: grpc.Client & Record<string, Unary>;

  constructor(endpoint: string, protoFile: string) {
    const definition = protoLoader.loadSync(protoFile, { keepCase: false, longs: String, enums: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(definition) as unknown as { blixard: { ClusterService: grpc.ServiceClientConstructor } };
    this.client = new pkg.blixard.ClusterService(endpoint, grpc.credentials.createInsecure()) as unknown as grpc.Client & Record<string, Unary>;
  }

  static forRepo(endpoint: string, repoRoot: string): BlixardProbe {
    return new BlixardProbe(endpoint, path.join(repoRoot, 'proto', 'blixard.proto'));
  }

  async listVms(): Promise<ProbeVm[]> {
    const response = await this.call<{ vms: { name: string; state: string; nodeId: string; vcpus: number; memoryMb: number; ipAddress: string }[] }>('listVms', {});
    return response.vms.map((v) => ({ ...v, nodeId: String(v.nodeId) }));
  }

  async clusterStatus(): Promise<{ leaderId: string; nodes: { id: string; address: string; state: string }[] }> {
    const r = await this.call<{ leaderId: string; nodes: { id: string; address: string; state: string }[] }>('getClusterStatus', {});
    return { leaderId: String(r.leaderId), nodes: r.nodes.map((n) => ({ ...n, id: String(n.id) })) };
  }

  async stopVm(name: string): Promise<void> {
    const r = await this.call<{ success: boolean; message: string }>('stopVm', { name });
    if (!r.success) throw new Error(`StopVm ${name}: ${r.message}`);
  }

  async startVm(name: string): Promise<void> {
    const r = await this.call<{ success: boolean; message: string }>('startVm', { name });
    if (!r.success) throw new Error(`StartVm ${name}: ${r.message}`);
  }

  /** MigrateVm: resolves when the migration is over (the RPC lasts as long as it). */
  async migrateVm(name: string, targetNodeId: string, live: boolean): Promise<{ success: boolean; message: string }> {
    return this.call<{ success: boolean; message: string }>('migrateVm', { vmName: name, targetNodeId, liveMigration: live }, 5 * 60_000);
  }

  close(): void {
    this.client.close();
  }

  private call<T>(method: string, request: object, deadlineMs = 10_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.client[method](request, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (err, response) => (err ? reject(err) : resolve(response as T)));
    });
  }
}
