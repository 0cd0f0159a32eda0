// What a VM console terminal shows, without VS Code: the guest's output as a terminal expects it
// (UTF-8 decoded across chunk boundaries; a bare "\n" becomes "\r\n", since a serial log often
// has no carriage returns and a Pseudoterminal does no line discipline; other control
// characters — escape sequences, backspace, bell — pass through untouched), and the console's
// own notes on lines of their own: "[console: vm-1 moved to node-2]", "[console: reconnecting to …]".

import type { ConsoleListener } from '../../../sources/cluster-source';

/** How much of a terminal's output is kept for its transcript (tests, "what did it show"). */
export const TRANSCRIPT_BYTES = 64 * 1024;

export class ConsoleTerminalCore implements ConsoleListener {
  private readonly decoder = new TextDecoder('utf-8');
  private lastChar = '\n';
  private attachedOnce = false;
  private transcriptText = '';
  private endedWith: string | undefined;

  constructor(
    private readonly vmName: string,
    /** Text for the terminal (Pseudoterminal.onDidWrite). */
    private readonly emit: (text: string) => void,
  ) {}

  /** Why the console ended, once it has. */
  get endReason(): string | undefined {
    return this.endedWith;
  }

  /** The last TRANSCRIPT_BYTES characters written to the terminal. */
  get transcript(): string {
    return this.transcriptText;
  }

  attached(nodeName: string): void {
    if (this.attachedOnce) return; // after a move, moved() has said where
    this.attachedOnce = true;
    this.note(`${this.vmName} on ${nodeName}; close the terminal to detach`);
  }

  output(data: Uint8Array): void {
    this.write(this.decoder.decode(data, { stream: true }));
  }

  moved(nodeName: string): void {
    this.note(`${this.vmName} moved to ${nodeName}`);
  }

  reconnecting(what: string): void {
    this.note(`reconnecting to ${what}`);
  }

  reconnected(nodeName: string): void {
    this.note(`reconnected to ${this.vmName} on ${nodeName}`);
  }

  ended(reason: string): void {
    if (this.endedWith !== undefined) return;
    this.endedWith = reason;
    this.write(this.decoder.decode());
    if (reason !== 'detached') this.note(`ended: ${reason}`);
  }

  /** What the user typed, for the guest: as the terminal sends it (Enter is "\r", as a serial line expects). */
  input(data: string): string {
    return data;
  }

  private note(text: string): void {
    // eslint-disable-next-line no-control-regex
    const safe = text.replace(/[\x00-\x1f\x7f]/g, ' ');
    this.write(`${this.lastChar === '\n' ? '' : '\n'}[console: ${safe}]\n`);
  }

  private write(text: string): void {
    if (!text) return;
    let out = '';
    let previous = this.lastChar;
    for (const ch of text) {
      if (ch === '\n' && previous !== '\r') out += '\r';
      out += ch;
      previous = ch;
    }
    this.lastChar = previous;
    this.transcriptText = (this.transcriptText + out).slice(-TRANSCRIPT_BYTES);
    this.emit(out);
  }
}
