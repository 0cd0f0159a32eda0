// The settings catalogue against the manifest: every contributed `blixard.*` key is in it with the
// same default, and nothing else is; which values fall back to the default; and workspace trust —
// which settings an untrusted folder may not set (equal to the manifest's
// restrictedConfigurations) and the rule the settings reader applies.

import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { acceptedValue, RESTRICTED_SETTINGS, SETTINGS, settingValue, UNRESTRICTED_SETTINGS, valueUnderWorkspaceTrust } from '../../../src/model/settings';

const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
  capabilities?: { untrustedWorkspaces?: { supported?: unknown; description?: unknown; restrictedConfigurations?: string[] } };
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
};

describe('settings catalogue', () => {
  const contributed = manifest.contributes.configuration.properties;

  it('holds exactly the settings package.json contributes', () => {
    assert.deepEqual(Object.keys(SETTINGS).sort(), Object.keys(contributed).sort(), 'a setting in package.json must be in src/model/settings.ts, and the other way round');
  });

  it('each default equals the one package.json declares', () => {
    for (const [key, spec] of Object.entries(SETTINGS)) {
      assert.ok(Object.prototype.hasOwnProperty.call(contributed[key] ?? {}, 'default'), `${key} has no default in package.json`);
      assert.deepEqual(spec.default, contributed[key].default, key);
      assert.ok(spec.accepts(spec.default), `${key}: its own default is usable`);
    }
  });

  it('falls back to the default for what is unset or unusable, and keeps what is', () => {
    assert.equal(settingValue('blixard.refreshIntervalSeconds', undefined), 30);
    assert.equal(settingValue('blixard.refreshIntervalSeconds', -1), 30);
    assert.equal(settingValue('blixard.refreshIntervalSeconds', '10'), 30);
    assert.equal(settingValue('blixard.refreshIntervalSeconds', 0), 0, '0 turns polling off');
    assert.equal(settingValue('blixard.history.retentionDays', Number.NaN), 365);
    assert.equal(settingValue('blixard.history.retentionDays', 0), 0, '0 keeps them forever');
    assert.equal(settingValue('blixard.history.maxMigrations', Number.POSITIVE_INFINITY), 100_000);
    assert.equal(settingValue('blixard.history.maxMigrations', 250), 250);
    assert.equal(settingValue('blixard.statusBar.enabled', 'no'), true);
    assert.equal(settingValue('blixard.statusBar.enabled', false), false);
    assert.equal(acceptedValue('blixard.kubevirt.watchStallSeconds', 0), undefined, 'a stall of 0 s would restart every watch at once');
    assert.equal(acceptedValue('blixard.kubevirt.watchStallSeconds', 45), 45);
  });
});

describe('restricted settings (workspace trust)', () => {
  it('package.json declares limited support in untrusted workspaces, restricting exactly the settings the reader restricts', () => {
    const declared = manifest.capabilities?.untrustedWorkspaces;
    assert.ok(declared, 'package.json has no capabilities.untrustedWorkspaces');
    assert.equal(declared.supported, 'limited');
    assert.equal(typeof declared.description, 'string');
    assert.deepEqual([...(declared.restrictedConfigurations ?? [])].sort(), Object.keys(RESTRICTED_SETTINGS).sort());
  });

  it('classifies every contributed setting: restricted (with its reason) or explicitly harmless, never both', () => {
    const contributed = Object.keys(manifest.contributes.configuration.properties).sort();
    const classified = [...Object.keys(RESTRICTED_SETTINGS), ...UNRESTRICTED_SETTINGS].sort();
    assert.deepEqual(classified, contributed, 'a new setting must be in the catalogue (src/model/settings.ts), restricted with its reason or not');
    assert.equal(new Set(classified).size, classified.length);
    for (const reason of Object.values(RESTRICTED_SETTINGS)) assert.ok(reason.length > 20);
  });

  it('in an untrusted window a restricted setting takes the user value, else the default — never the workspace or folder value', () => {
    const hostile = ['/tmp/crafted-kubeconfig'];
    const user = ['/home/me/.kube/config'];
    assert.deepEqual(
      valueUnderWorkspaceTrust('blixard.kubevirt.kubeconfig', hostile, { defaultValue: [], globalValue: user, workspaceValue: hostile }, false),
      user,
    );
    assert.deepEqual(valueUnderWorkspaceTrust('blixard.kubevirt.kubeconfig', hostile, { defaultValue: [], workspaceFolderValue: hostile }, false), []);
    assert.equal(valueUnderWorkspaceTrust('blixard.history.maxMigrations', 1, { defaultValue: 100000, workspaceValue: 1 }, false), 100000);
    assert.equal(valueUnderWorkspaceTrust('blixard.clusters', undefined, undefined, false), undefined);
  });

  it('a trusted window uses the effective value, and a harmless setting uses it even untrusted', () => {
    assert.deepEqual(valueUnderWorkspaceTrust('blixard.kubevirt.kubeconfig', ['/w'], { defaultValue: [], globalValue: ['/u'], workspaceValue: ['/w'] }, true), ['/w']);
    assert.equal(valueUnderWorkspaceTrust('blixard.refreshIntervalSeconds', 7, { defaultValue: 30, workspaceValue: 7 }, false), 7);
  });
});
