// Workspace trust: which settings an untrusted folder may not set, kept equal to the manifest's
// restrictedConfigurations, and the rule the settings reader applies.

import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { RESTRICTED_SETTINGS, UNRESTRICTED_SETTINGS, valueUnderWorkspaceTrust } from '../../../src/model/restricted-settings';

const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
  capabilities?: { untrustedWorkspaces?: { supported?: unknown; description?: unknown; restrictedConfigurations?: string[] } };
  contributes: { configuration: { properties: Record<string, unknown> } };
};

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
    assert.deepEqual(classified, contributed, 'a new setting must be put in RESTRICTED_SETTINGS or UNRESTRICTED_SETTINGS (src/model/restricted-settings.ts)');
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
