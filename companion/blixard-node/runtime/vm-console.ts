// What the daemon serves a VM's serial console from (rpc/console-service.ts). A runtime that
// gives its VMs consoles exposes them as `consoles: VmConsoles` (the simulated runtime's
// SimulatedConsoles; a QEMU runtime adapts each QemuProcess's ConsoleLog). Contract: a console
// exists while the VM runs on this node. Its log has an id and positions (bytes it has held,
// rotation included), so a client that attaches again after its daemon went away asks for what
// followed the last position it showed, and gets nothing twice. A log may hold several lives of
// the VM on this node (it left and came back): tail() covers only the current one, which began
// when the VM booted or arrived here — so a client that follows a migrated VM and asks the target
// for its whole tail gets exactly what the guest printed since the switchover.

import type { VmRuntime } from './vm-runtime';

export interface ConsoleChunk {
  data: Buffer;
  /** The log position just after the chunk's last byte. */
  end: number;
}

export interface VmConsole {
  /** Names this log: a position read from another log means nothing here. */
  readonly logId: string;
  /** The last `maxBytes` (at most) the guest printed since it booted or arrived on this node. */
  tail(maxBytes: number): Buffer;
  /**
   * What the log holds after `position` (undefined: the current life's tail), at most the last
   * `maxBytes` of it; a position the log has rotated away reads from the oldest byte kept.
   */
  read(position: number | undefined, maxBytes: number): ConsoleChunk;
  /** Every chunk of output from now on, with its end position; returns the unsubscribe. */
  onData(listener: (data: Buffer, end: number) => void): () => void;
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
