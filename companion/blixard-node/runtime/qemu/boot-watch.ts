// Whether a booting guest is up, and if it cannot come up, why — judged from what QEMU shows of
// it: the serial console and QMP's RESET events. QMP `running` alone says nothing about the guest:
// QEMU runs a kernel of random bytes, or one that resets in a loop, as happily as a good one.

import { BOOT_LINE } from './test-guest';
import type { QmpClient } from './qmp-client';

/**
 * 'boot-line': the built-in test guest, up when it prints its boot line. 'console-output': a guest
 * with its own kernel, up when it prints its first line on the serial console (ttyS0).
 */
export type BootReadiness = 'boot-line' | 'console-output';

/** A -kernel boot resets only when its kernel cannot run: a few resets in a row are a reset loop. */
const RESETS_BEFORE_GIVING_UP = 3;
const KERNEL_GAVE_UP = /Kernel panic - not syncing|-- System halted/;

export class BootWatch {
  private bootLineSeen = false;
  private linesSeen = 0;
  private lastLine?: string;
  private resets = 0;
  private fatalLine?: string;
  private readonly disposers: (() => void)[] = [];

  constructor(
    private readonly name: string,
    private readonly readiness: BootReadiness,
    /** The marker line the daemon writes at the top of each life of the log: not the guest's. */
    private readonly marker: string,
    console: { onLine(listener: (line: string) => void): () => void },
  ) {
    this.disposers.push(console.onLine((line) => this.onLine(line)));
  }

  /** Counts the guest's resets from now on (QMP events come once qmp_capabilities was sent). */
  watchQmp(qmp: QmpClient): void {
    this.disposers.push(
      qmp.onEvent((event) => {
        if (event.event === 'RESET' && event.data?.guest === true) this.resets++;
      }),
    );
  }

  get ready(): boolean {
    return this.readiness === 'boot-line' ? this.bootLineSeen : this.linesSeen > 0;
  }

  /** Why the guest will not come up, once that is clear (a panic, a reset loop); undefined while it may still. */
  failure(): string | undefined {
    if (this.fatalLine) return `${this.name} did not boot: its kernel stopped: '${this.fatalLine}'`;
    if (this.resets >= RESETS_BEFORE_GIVING_UP) {
      return `${this.name} did not boot: the guest reset ${this.resets} times before it was up (its kernel does not boot)${this.lastLineNote()}`;
    }
    return undefined;
  }

  timedOut(timeoutMs: number): string {
    if (this.readiness === 'console-output') return `${this.name} did not boot within ${timeoutMs} ms: its serial console (ttyS0) stayed silent`;
    return `${this.name} did not boot within ${timeoutMs} ms: no boot line on its console${this.lastLineNote()}`;
  }

  dispose(): void {
    for (const dispose of this.disposers.splice(0)) dispose();
  }

  private onLine(line: string): void {
    const text = line.trim();
    if (!text || text === this.marker) return;
    this.linesSeen++;
    this.lastLine = text.slice(0, 200);
    if (BOOT_LINE.test(text)) this.bootLineSeen = true;
    if (KERNEL_GAVE_UP.test(text)) this.fatalLine ??= this.lastLine;
  }

  private lastLineNote(): string {
    return this.lastLine ? `; last console line: '${this.lastLine}'` : '; it printed nothing';
  }
}
