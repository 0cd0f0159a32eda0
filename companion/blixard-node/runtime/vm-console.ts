// What the daemon serves a VM's serial console from (rpc/console-service.ts). A runtime that
// gives its VMs consoles exposes them as `consoles: VmConsoles` (the simulated runtime's
// SimulatedConsoles; a QEMU runtime adapts each QemuProcess's ConsoleLog, which already has this
// shape). Contract: a console exists while the VM runs on this node, and what its tail holds
// began when the VM booted or arrived here — so a client that follows a migrated VM and asks
// the target for its whole tail gets exactly what the guest printed since the switchover.

import type { VmRuntime } from './vm-runtime';

export interface VmConsole {
  /** The last `maxBytes` (at most) the guest printed on this node. */
  tail(maxBytes: number): Buffer;
  /** Every chunk of output from now on; returns the unsubscribe. */
  onData(listener: (data: Buffer) => void): () => void;
  /** Bytes for the guest's serial port (what a user types). */
  write(data: Buffer): void;
}

export interface VmConsoles {
  /** The console of a VM running on this node, or undefined when it has none here. */
  open(vmName: string): VmConsole | undefined;
}

/** The consoles of a runtime that has them (`runtime.consoles`), or undefined. */
export function consolesOf(runtime: VmRuntime): VmConsoles | undefined {
  const consoles = (runtime as { consoles?: unknown }).consoles;
  return consoles && typeof (consoles as VmConsoles).open === 'function' ? (consoles as VmConsoles) : undefined;
}
