// What the migration dialog needs from the rest of the extension, and what it offers back.
// Kept apart from the implementation so extension.ts can import it without loading the dialog.

import type { ClusterSource } from '../../../sources/cluster-source';
import type { MigrationWatcher } from '../../../watch/migration-watcher';
import type { MigrationFeed } from './migration-feed';
import type { Logger } from '../../../base/logger';
import type { DialogViewState } from '../../../protocol/migration-dialog';
import type { VmReference } from './vm-reference';

export interface MigrationDialogDeps {
  /** Every configured cluster source (the shell builds them; clients connect lazily). */
  sources(): readonly ClusterSource[] | Promise<readonly ClusterSource[]>;
  /**
   * The shared MigrationWatcher, once started. Dialogs then follow migrations through it; while
   * this returns undefined they follow the sources' own migration streams instead.
   */
  watcher?(): MigrationWatcher | undefined;
  /** A feed to use instead of either (tests, or a future shared feed). Takes precedence over `watcher`. */
  migrationFeed?(): MigrationFeed | undefined;
  /** Where the dialog logs (e.g. the extension's LogOutputChannel); defaults to the extension host log. */
  log?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

/**
 * The dialog's programmatic surface, for the extension's exported API and the integration tests.
 * `deliver` goes through exactly the same guard and checks as a message from the webview.
 */
export interface MigrationDialogApi {
  open(ref: VmReference): Promise<void>;
  /** The state the dialog for this VM currently shows, or undefined when none is open. */
  stateOf(ref: VmReference): DialogViewState | undefined;
  /** True once the dialog's webview for this VM has loaded and said `ready`. */
  webviewReady(ref: VmReference): boolean;
  /** Hands a message to the dialog as if its webview had posted it; false when no dialog is open for the VM. */
  deliver(ref: VmReference, message: unknown): boolean;
  /** Closes the dialog for this VM, if open. */
  close(ref: VmReference): void;
  /** Number of open dialogs. */
  readonly openCount: number;
}
