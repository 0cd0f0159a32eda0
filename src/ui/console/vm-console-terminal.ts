// "Open VM Console": a VS Code terminal (a Pseudoterminal) on a running VM's serial console.
// The source attaches and follows the VM across migrations; ConsoleTerminalCore maps the stream
// to terminal writes. When the console ends the terminal stays open with the reason.

import * as vscode from 'vscode';
import type { ClusterSource } from '../../sources/cluster-source';
import { ConsoleTerminalCore } from './core/console-terminal-core';

export interface VmConsoleTerminal {
  readonly terminal: vscode.Terminal;
  readonly core: ConsoleTerminalCore;
}

export function openVmConsoleTerminal(source: ClusterSource, vmId: string, vmName: string, clusterLabel: string, onClosed: () => void): VmConsoleTerminal {
  const writes = new vscode.EventEmitter<string>();
  const core = new ConsoleTerminalCore(vmName, (text) => writes.fire(text));
  let attachment: { write(data: string): void; dispose(): void } | undefined;
  const pty: vscode.Pseudoterminal = {
    onDidWrite: writes.event,
    open: () => {
      try {
        if (!source.attachConsole) throw new Error(`${source.traits.label} clusters have no VM consoles`);
        attachment = source.attachConsole(vmId, core);
      } catch (err) {
        core.ended(err instanceof Error ? err.message : String(err));
      }
    },
    close: () => {
      attachment?.dispose();
      writes.dispose();
      onClosed();
    },
    handleInput: (data) => attachment?.write(core.input(data)),
  };
  const terminal = vscode.window.createTerminal({ name: `${vmName} (${clusterLabel})`, pty, iconPath: new vscode.ThemeIcon('terminal') });
  return { terminal, core };
}
