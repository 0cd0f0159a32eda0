// Tells when files the cluster plan was read from (kubeconfigs and the CA, certificate, key and
// token files they name) change, so a rotated credential reaches the clusters without a settings
// change. Each file is watched itself (an in-place write, a symlink's target) and through its
// folder (editors and credential rotators replace a file by renaming a new one over it, which a
// watch on the old file never reports). Bursts are debounced into one notice; at most
// `maxFiles` files are followed. Never throws: a file that cannot be watched is skipped.

import { watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import { Disposable } from '../base/lifecycle';

export interface ConfigFileWatcherOptions {
  /** Quiet time after the last change before onChange runs. Default 300 ms. */
  debounceMs?: number;
  /** Files followed at most (the rest are re-read on Refresh/Retry only). Default 64. */
  maxFiles?: number;
}

export class ConfigFileWatcher extends Disposable {
  private readonly fileWatchers = new Map<string, FSWatcher>();
  private readonly dirWatchers = new Map<string, FSWatcher>();
  /** folder → the names in it that are followed. */
  private readonly namesByDir = new Map<string, Set<string>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly debounceMs: number;
  private readonly maxFiles: number;

  constructor(
    private readonly onChange: () => void,
    options: ConfigFileWatcherOptions = {},
  ) {
    super();
    this.debounceMs = options.debounceMs ?? 300;
    this.maxFiles = options.maxFiles ?? 64;
  }

  /** The files followed now (absolute paths). */
  get files(): string[] {
    return [...this.namesByDir].flatMap(([dir, names]) => [...names].map((n) => path.join(dir, n)));
  }

  /** Follows exactly these files from now on. */
  setFiles(files: Iterable<string>): void {
    if (this.isDisposed) return;
    const wanted = [...new Set([...files].map((f) => path.resolve(f)))].slice(0, this.maxFiles);
    const wantedSet = new Set(wanted);
    for (const [file, watcher] of this.fileWatchers) {
      if (!wantedSet.has(file)) {
        watcher.close();
        this.fileWatchers.delete(file);
      }
    }
    this.namesByDir.clear();
    for (const file of wanted) {
      const dir = path.dirname(file);
      let names = this.namesByDir.get(dir);
      if (!names) this.namesByDir.set(dir, (names = new Set()));
      names.add(path.basename(file));
    }
    for (const [dir, watcher] of this.dirWatchers) {
      if (!this.namesByDir.has(dir)) {
        watcher.close();
        this.dirWatchers.delete(dir);
      }
    }
    for (const dir of this.namesByDir.keys()) if (!this.dirWatchers.has(dir)) this.watchDir(dir);
    for (const file of wanted) if (!this.fileWatchers.has(file)) this.watchFile(file);
  }

  override dispose(): void {
    super.dispose();
    if (this.timer) clearTimeout(this.timer);
    for (const w of [...this.fileWatchers.values(), ...this.dirWatchers.values()]) w.close();
    this.fileWatchers.clear();
    this.dirWatchers.clear();
    this.namesByDir.clear();
  }

  private watchDir(dir: string): void {
    const watcher = this.open(dir, (filename) => {
      const names = this.namesByDir.get(dir);
      // No name (some platforms) may be any of ours; a name not ours is another file's business.
      if (!names || (filename && !names.has(filename))) return;
      const file = path.join(dir, filename ?? '');
      // A replaced file is a new inode: the watch on the old one has gone quiet, so open it again.
      if (filename) this.rewatchFile(file);
      this.schedule();
    });
    if (watcher) this.dirWatchers.set(dir, watcher);
  }

  private watchFile(file: string): void {
    const watcher = this.open(file, () => {
      this.rewatchFile(file);
      this.schedule();
    });
    if (watcher) this.fileWatchers.set(file, watcher);
  }

  private rewatchFile(file: string): void {
    if (this.isDisposed || !this.namesByDir.get(path.dirname(file))?.has(path.basename(file))) return;
    this.fileWatchers.get(file)?.close();
    this.fileWatchers.delete(file);
    this.watchFile(file);
  }

  private open(target: string, onEvent: (filename: string | null) => void): FSWatcher | undefined {
    try {
      const watcher = watch(target, { persistent: false }, (_event, filename) => {
        if (!this.isDisposed) onEvent(filename === null || filename === undefined ? null : String(filename));
      });
      // A watched file that is deleted or a folder that goes away errors; the folder watch (or the
      // next setFiles) covers it.
      watcher.on('error', () => watcher.close());
      return watcher;
    } catch {
      // missing file or folder, or no watch handles left: Refresh/Retry still re-read it
      return undefined;
    }
  }

  private schedule(): void {
    if (this.isDisposed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.isDisposed) this.onChange();
    }, this.debounceMs);
  }
}
