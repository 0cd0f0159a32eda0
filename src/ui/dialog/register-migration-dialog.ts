// Registers the "Migrate VM…" command and the dialog panel serializer. Cheap on purpose: the
// dialog itself (panels, sessions, feed) is loaded on the first invocation or restore.

import * as vscode from 'vscode';
import type { MigrationDialogApi, MigrationDialogDeps } from './core/migration-dialog-deps';
import type { MigrationDialogs } from './migration-dialogs';
import { MIGRATION_DIALOG_VIEW_TYPE } from '../../protocol/migration-dialog';
import type { VmReference } from './core/vm-reference';
import { vmReferenceFrom } from './core/vm-reference';

export const MIGRATE_VM_COMMAND = 'blixard.migrateVm';

export function registerMigrationDialog(context: vscode.ExtensionContext, deps: MigrationDialogDeps): MigrationDialogApi {
  let dialogs: Promise<MigrationDialogs> | undefined;
  let loaded: MigrationDialogs | undefined;
  const load = () =>
    (dialogs ??= import('./migration-dialogs').then(({ MigrationDialogs }) => {
      loaded = new MigrationDialogs(context.extensionUri, deps);
      context.subscriptions.push(loaded);
      return loaded;
    }));

  context.subscriptions.push(
    vscode.commands.registerCommand(MIGRATE_VM_COMMAND, async (arg?: unknown) => {
      let ref: VmReference | undefined = vmReferenceFrom(arg);
      if (!ref) {
        const { pickVmToMigrate } = await import('./vm-quick-pick');
        ref = await pickVmToMigrate(await deps.sources());
        if (!ref) return;
      }
      await (await load()).open(ref);
    }),
    vscode.window.registerWebviewPanelSerializer(MIGRATION_DIALOG_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => (await load()).restore(panel, state),
    }),
  );

  return {
    open: async (ref) => (await load()).open(ref),
    stateOf: (ref) => loaded?.stateOf(ref),
    webviewReady: (ref) => loaded?.webviewReady(ref) ?? false,
    deliver: (ref, message) => loaded?.deliver(ref, message) ?? false,
    close: (ref) => loaded?.close(ref),
    get openCount() {
      return loaded?.openCount ?? 0;
    },
  };
}
