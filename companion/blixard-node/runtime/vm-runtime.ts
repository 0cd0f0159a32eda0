// What a node daemon asks of the hypervisor on its machine. The simulated runtime implements it
// with timers; a QEMU runtime would implement the same calls with QMP (boot, shutdown, migrate).

export interface RuntimeVm {
  name: string;
  vcpus: number;
  memoryMb: number;
  /** CreateVm's config_path (what to boot), when the caller knows it; empty = the runtime's default guest. */
  configPath?: string;
}

export interface MigrationPeer {
  nodeId: number;
  address: string;
  /** Where the target's runtime listens for the guest (prepareIncoming's answer), when it needs one. */
  incomingUri?: string;
}

/** What a VM needs that CreateVm records: its size and its config file (empty: the runtime's default guest). */
export interface RuntimeVmRequest extends RuntimeVm {
  configPath: string;
}

/** What the hypervisor measured at the end of a switchover. */
export interface SwitchoverResult {
  /** How long the guest was paused, as the hypervisor reports it. */
  downtimeMs?: number;
  /** The final figures, when the hypervisor's differ from the converged ones. */
  progress?: TransferProgress;
}

/** Why a VM this runtime ran is gone without anyone asking (its hypervisor process died). */
export interface UnexpectedVmExit {
  name: string;
  reason: string;
}

/** Live pre-copy figures, as the runtime measures them. */
export interface TransferProgress {
  totalBytes: number;
  transferredBytes: number;
  remainingBytes: number;
  dirtyRateBytesPerSec: number;
  bandwidthBytesPerSec: number;
  precopyRound: number;
  /** `remainingBytes` counts pages not yet scanned that may cost nothing to send (QEMU's zero pages): time left from it is an upper bound. */
  remainingIsUpperBound?: boolean;
}

/** The guest dirties memory faster than it can be sent: pre-copy would never end. */
export class NonConvergenceError extends Error {
  constructor(
    message: string,
    /** The figures when the runtime gave up. */
    readonly progress?: TransferProgress,
  ) {
    super(message);
    this.name = 'NonConvergenceError';
  }
}

export interface VmRuntime {
  /** "simulated", later "qemu". */
  readonly kind: string;
  /** Boots the VM on this node; resolves when the guest runs. */
  start(vm: RuntimeVm, signal?: AbortSignal): Promise<void>;
  /** Shuts the VM down on this node; resolves when it is off. */
  stop(vm: RuntimeVm, signal?: AbortSignal): Promise<void>;
  /** The cluster says the VM runs here (after a daemon restart or an incoming live migration). */
  adopt(vm: RuntimeVm): void;
  /** The VM now lives elsewhere or is gone: drop what is left of it here without a shutdown. */
  release(name: string): void;
  isRunning(name: string): boolean;
  /** Names of the VMs this runtime holds. */
  list(): string[];
  /** The figures before the first byte moves (what precopy would report at its start). */
  initialProgress(vm: RuntimeVm): TransferProgress;
  /**
   * Source side of a live migration: iterative pre-copy of guest memory to `target` while the
   * guest runs. Resolves with the figures at convergence (what is left fits the switchover
   * budget); rejects with NonConvergenceError, or with the signal's reason when aborted — the
   * guest keeps running here in both cases.
   */
  precopy(vm: RuntimeVm, target: MigrationPeer, onProgress: (p: TransferProgress) => void, signal: AbortSignal): Promise<TransferProgress>;
  /** Pauses the guest, sends the last dirty pages and hands it to the target. */
  switchover(vm: RuntimeVm, target: MigrationPeer, last: TransferProgress, signal: AbortSignal): Promise<SwitchoverResult | void>;
  close(): Promise<void>;

  // Optional: what a real hypervisor needs and the simulated runtime does without.

  /**
   * Target side of a live migration, in PREPARING: get ready to receive the guest and say where
   * the source should send it. A runtime with this method also makes its sources wait for the
   * target's answer (the migration record's `incoming`) before they transfer.
   */
  prepareIncoming?(vm: RuntimeVm, signal: AbortSignal): Promise<{ uri: string }>;
  /** Target side: the incoming guest will not come (the migration ended otherwise): drop what waits for it. */
  discardIncoming?(name: string): void;
  /** Refuses a VM this runtime could never run (too small, too large, a bad config file) before it is recorded. */
  checkVm?(vm: RuntimeVmRequest): Promise<void>;
  /** What the machine offers, when the runtime knows better than the daemon's defaults. */
  defaultCapacity?(): { vcpus?: number; memoryMb?: number };
  /**
   * A restarted daemon, once it has ended the migrations its previous life left: stops whatever that
   * life left running (a hypervisor process outlives its daemon) for every VM but those in `keep`
   * (the ones the store says run here, which it adopts).
   */
  reapLeftovers?(keep: ReadonlySet<string>): Promise<void>;
  /** The VM lives elsewhere now and this runtime holds nothing of it: stop what an earlier daemon left of it here. */
  reapLeftover?(name: string): void;
  /**
   * Source side, after a daemon restart at switchover: whether the guest has left this node (the
   * hypervisor completed the migration without the daemon). Adopts the VM's process to ask it;
   * undefined when there is none here. A guest that has not left resumes here.
   */
  handedOver?(vm: RuntimeVm): Promise<boolean | undefined>;
  /** Target side, its source gone at switchover: waits (up to `timeoutMs`) for the incoming guest to arrive; whether it runs here now. */
  incomingArrived?(name: string, timeoutMs: number): Promise<boolean>;
  /** Calls `listener` when a VM dies under the runtime; returns the unsubscribe. */
  onUnexpectedExit?(listener: (exit: UnexpectedVmExit) => void): () => void;
}
