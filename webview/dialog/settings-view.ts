// The dialog's "Migration settings" line: the configuration that applied to the migration as the
// cluster reports it (KubeVirt's migrationConfiguration and MigrationPolicy), so a user reading
// the convergence advice sees what it was weighed against. Hidden when the cluster says nothing.

import type { MigrationTuning } from '../../src/model/migration';
import { migrationSettingsItems } from '../../src/model/migration-settings';
import { el, setText } from './element';

export class SettingsView {
  private readonly text = el('span', { id: 'migration-settings-text' });
  readonly root = el('p', { class: 'migration-settings', id: 'migration-settings', hidden: true }, el('span', { class: 'migration-settings-label' }, 'Migration settings: '), this.text);

  update(tuning: MigrationTuning | undefined): void {
    const items = migrationSettingsItems(tuning);
    this.root.hidden = items.length === 0;
    setText(this.text, items.join(' · '));
  }
}
