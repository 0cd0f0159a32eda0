// Items gathered during one turn of the event loop and handed on together at its end. Messages
// between threads are the use: each one costs both threads a wakeup and a structured clone of its
// own, so a burst (a watcher's records, the HTTP API's concurrent requests, their answers) crosses
// as one message, not one each. flush() hands them on early — before a message that must not
// overtake them — and clear() forgets them (a worker restarting is sent everything again anyway).

export class TurnBatch<T> {
  private items: T[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  /**
   * `send` receives every item of the turn, in the order pushed; it is never called with none.
   * While `ready` says the receiver cannot take them (a worker restarting), they keep waiting.
   */
  constructor(
    private readonly send: (items: T[]) => void,
    private readonly ready: () => boolean = () => true,
  ) {}

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    this.items.push(item);
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Hands on what is waiting now (if the receiver is ready). */
  flush(): void {
    this.cancelSchedule();
    if (this.items.length === 0 || !this.ready()) return;
    const items = this.items;
    this.items = [];
    this.send(items);
  }

  clear(): void {
    this.cancelSchedule();
    this.items = [];
  }

  private cancelSchedule(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
  }
}
