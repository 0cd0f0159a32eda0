// A small QMP client over QEMU's unix socket (docs/interop/qmp-spec.txt): the greeting, capability
// negotiation, commands answered with `return` or `error`, and asynchronous events in between.
// QEMU answers commands in the order it got them, but a command that timed out here may still be
// answered later; every command carries an `id`, so a late answer is recognised and dropped, and
// commands go out one at a time so a slow one never interleaves with the next.

import * as net from 'node:net';
import type { QmpCommandName, QmpCommands, QmpEvent, QmpGreeting } from './qmp-types';

/** QEMU refused a command: `class` and `desc` are QMP's own (e.g. CommandNotFound, GenericError). */
export class QmpError extends Error {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    readonly desc: string,
  ) {
    super(`QMP ${command}: ${errorClass}: ${desc}`);
    this.name = 'QmpError';
  }
}

/** The socket closed (QEMU exited or was killed) before the command was answered. */
export class QmpConnectionClosedError extends Error {
  constructor(readonly command: string | undefined, detail: string) {
    super(command ? `QMP connection closed before ${command} was answered: ${detail}` : `QMP connection closed: ${detail}`);
    this.name = 'QmpConnectionClosedError';
  }
}

export class QmpTimeoutError extends Error {
  constructor(readonly command: string, readonly timeoutMs: number) {
    super(`QMP ${command} not answered within ${timeoutMs} ms`);
    this.name = 'QmpTimeoutError';
  }
}

export interface QmpConnectOptions {
  /** For connecting, the greeting and qmp_capabilities together (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Default per-command timeout (default 10000 ms). */
  commandTimeoutMs?: number;
}

interface PendingCommand {
  id: number;
  command: string;
  line: string;
  timeoutMs: number;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

type QmpMessage = { id?: number; return?: unknown; error?: { class: string; desc: string } } & Partial<QmpEvent> & Partial<QmpGreeting>;

export class QmpClient {
  private buffer = '';
  private nextId = 1;
  private readonly queue: PendingCommand[] = [];
  private inFlight: { pending: PendingCommand; timer: NodeJS.Timeout } | undefined;
  private readonly eventListeners = new Set<(event: QmpEvent) => void>();
  private readonly closeListeners = new Set<(reason: string) => void>();
  private closedReason: string | undefined;
  private greetingWaiter: { resolve: (g: QmpGreeting) => void; reject: (e: Error) => void } | undefined;
  greeting: QmpGreeting | undefined;

  private constructor(
    private readonly socket: net.Socket,
    private readonly commandTimeoutMs: number,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (error) => this.onClosed(error.message));
    socket.on('close', () => this.onClosed('socket closed'));
  }

  /** Connects, reads the greeting and leaves capability negotiation mode. */
  static async connect(socketPath: string, options: QmpConnectOptions = {}): Promise<QmpClient> {
    const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    const socket = net.createConnection({ path: socketPath });
    const client = new QmpClient(socket, options.commandTimeoutMs ?? 10_000);
    const timer = setTimeout(() => client.destroy(`no QMP greeting on ${socketPath} within ${connectTimeoutMs} ms`), connectTimeoutMs);
    try {
      client.greeting = await new Promise<QmpGreeting>((resolve, reject) => {
        client.greetingWaiter = { resolve, reject };
      });
      await client.execute('qmp_capabilities', {}, { timeoutMs: connectTimeoutMs });
      return client;
    } catch (error) {
      client.destroy('connect failed');
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  get isClosed(): boolean {
    return this.closedReason !== undefined;
  }

  /** Runs one command; resolves with its `return`, rejects with QmpError, QmpTimeoutError or QmpConnectionClosedError. */
  execute<K extends QmpCommandName>(command: K, args: QmpCommands[K]['args'] = {} as QmpCommands[K]['args'], options: { timeoutMs?: number } = {}): Promise<QmpCommands[K]['result']> {
    if (this.closedReason !== undefined) return Promise.reject(new QmpConnectionClosedError(command, this.closedReason));
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const hasArgs = Object.keys(args as object).length > 0;
      const line = JSON.stringify(hasArgs ? { execute: command, arguments: args, id } : { execute: command, id }) + '\n';
      this.queue.push({ id, command, line, timeoutMs: options.timeoutMs ?? this.commandTimeoutMs, resolve: resolve as (v: unknown) => void, reject });
      this.sendNext();
    });
  }

  /** Calls `listener` for every asynchronous event; returns the unsubscribe function. */
  onEvent(listener: (event: QmpEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Calls `listener` once when the connection ends, however it ends. */
  onClose(listener: (reason: string) => void): () => void {
    if (this.closedReason !== undefined) {
      listener(this.closedReason);
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Closes the connection; commands not yet answered reject with QmpConnectionClosedError. */
  async close(): Promise<void> {
    if (this.closedReason !== undefined) return;
    this.onClosed('closed by the client');
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      // A peer that never finishes its side must not keep us waiting.
      setTimeout(() => this.socket.destroy(), 1000).unref();
    });
  }

  private destroy(reason: string): void {
    this.socket.destroy();
    this.onClosed(reason);
  }

  private sendNext(): void {
    if (this.inFlight || this.closedReason !== undefined) return;
    const pending = this.queue.shift();
    if (!pending) return;
    const timer = setTimeout(() => {
      if (this.inFlight?.pending !== pending) return;
      this.inFlight = undefined;
      pending.reject(new QmpTimeoutError(pending.command, pending.timeoutMs));
      this.sendNext();
    }, pending.timeoutMs);
    this.inFlight = { pending, timer };
    this.socket.write(pending.line);
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (line) this.onMessage(line);
    }
  }

  private onMessage(line: string): void {
    let message: QmpMessage;
    try {
      message = JSON.parse(line) as QmpMessage;
    } catch {
      this.destroy(`QEMU sent a line that is not JSON: ${line.slice(0, 200)}`);
      return;
    }
    if (message.QMP) {
      this.greetingWaiter?.resolve(message as QmpGreeting);
      this.greetingWaiter = undefined;
      return;
    }
    if (typeof message.event === 'string') {
      for (const listener of [...this.eventListeners]) listener(message as QmpEvent);
      return;
    }
    const current = this.inFlight;
    // An answer to a command that already timed out (or one without our id) belongs to nobody.
    if (!current || message.id !== current.pending.id) return;
    clearTimeout(current.timer);
    this.inFlight = undefined;
    if (message.error) current.pending.reject(new QmpError(current.pending.command, message.error.class, message.error.desc));
    else current.pending.resolve(message.return ?? {});
    this.sendNext();
  }

  private onClosed(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.greetingWaiter?.reject(new QmpConnectionClosedError(undefined, reason));
    this.greetingWaiter = undefined;
    if (this.inFlight) {
      clearTimeout(this.inFlight.timer);
      this.inFlight.pending.reject(new QmpConnectionClosedError(this.inFlight.pending.command, reason));
      this.inFlight = undefined;
    }
    for (const pending of this.queue.splice(0)) pending.reject(new QmpConnectionClosedError(pending.command, reason));
    for (const listener of [...this.closeListeners]) listener(reason);
    this.closeListeners.clear();
  }
}
