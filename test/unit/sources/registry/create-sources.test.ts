import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createSource, planClusterSpecs, readKubeconfigContexts } from '../../../../src/sources/create-sources';
import type { SourceSettings } from '../../../../src/sources/source-settings';
import type { BlixardClusterSpec, KubevirtClusterSpec } from '../../../../src/sources/cluster-spec';

const dir = mkdtempSync(path.join(os.tmpdir(), 'blixard-specs-'));
function kubeconfig(name: string, contexts: string[], extra = ''): string {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:6443"}\nusers:\n- name: u\n  user: {token: "s3cr3t-token"}\ncontexts:\n${contexts
      .map((c) => `- name: ${c}\n  context: {cluster: c, user: u}\n`)
      .join('')}${extra}`,
  );
  return file;
}
const base: SourceSettings = { blixardClusters: [], kubeconfigFiles: [], kubeContexts: [] };

describe('planning cluster specs from settings', () => {
  it('makes one spec per Blixard cluster and one per kubeconfig context, first file winning', async () => {
    const a = kubeconfig('a', ['dev', 'prod']);
    const b = kubeconfig('b', ['prod', 'staging']);
    const { specs, problems } = await planClusterSpecs({
      ...base,
      blixardClusters: [{ name: 'east-1', endpoints: ['10.0.0.1:7001'], datacenter: 'east' }],
      kubeconfigFiles: [
        { path: a, explicit: true },
        { path: b, explicit: true },
      ],
      refreshIntervalSeconds: 10,
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(
      specs.map((s) => [s.kind, s.id, s.label]),
      [
        ['blixard', 'blixard:east-1', 'east-1'],
        ['kubevirt', 'kubevirt:dev', 'dev'],
        ['kubevirt', 'kubevirt:prod', 'prod'],
        ['kubevirt', 'kubevirt:staging', 'staging'],
      ],
    );
    const blixard = specs[0];
    assert.ok(blixard.kind === 'blixard' && blixard.pollIntervalMs === 10_000 && blixard.datacenter === 'east');
    const prod = specs[2];
    assert.ok(prod.kind === 'kubevirt');
    assert.deepEqual(prod.kubeconfigPaths, [a, b], 'every file goes to the source, merged as kubectl does');
  });

  it('filters contexts and names the ones it cannot find', async () => {
    const a = kubeconfig('c', ['dev', 'prod']);
    const { specs, problems } = await planClusterSpecs({ ...base, kubeconfigFiles: [{ path: a, explicit: true }], kubeContexts: ['prod', 'gone'] });
    assert.deepEqual(specs.map((s) => s.id), ['kubevirt:prod']);
    assert.deepEqual(problems, [{ setting: 'blixard.kubevirt.contexts', message: 'context "gone" is in no kubeconfig file' }]);
  });

  it('skips a missing default kubeconfig quietly, but reports a missing or broken one the user named', async () => {
    const broken = path.join(dir, 'broken');
    writeFileSync(broken, 'users:\n- name: u\n  user: {token: "s3cr3t-token"\n  : : :');
    const { specs, problems } = await planClusterSpecs({
      ...base,
      kubeconfigFiles: [
        { path: path.join(dir, 'absent-default'), explicit: false },
        { path: path.join(dir, 'absent-named'), explicit: true },
        { path: broken, explicit: true },
      ],
    });
    assert.deepEqual(specs, []);
    assert.equal(problems.length, 2);
    assert.match(problems[0].message, /absent-named does not exist/);
    assert.match(problems[1].message, /broken: is not valid YAML/);
    assert.ok(!problems.some((p) => p.message.includes('s3cr3t')), 'no credential in a message');
  });

  it('reads context names from YAML and JSON kubeconfigs', async () => {
    const json = path.join(dir, 'json');
    writeFileSync(json, JSON.stringify({ contexts: [{ name: 'j1', context: {} }, { name: '' }, {}] }));
    assert.deepEqual(await readKubeconfigContexts(json), ['j1']);
    const empty = path.join(dir, 'empty');
    writeFileSync(empty, '');
    assert.deepEqual(await readKubeconfigContexts(empty), []);
  });

  it('builds real sources without connecting', () => {
    const blixardSpec: BlixardClusterSpec = { kind: 'blixard', id: 'blixard:x', label: 'x', endpoints: ['127.0.0.1:1'] };
    const blixard = createSource(blixardSpec, { logger: { debug() {}, info() {}, warn() {}, error() {} } });
    assert.equal(blixard.kind, 'blixard');
    assert.equal(blixard.id, 'blixard:x');
    blixard.dispose();
    const kubeSpec: KubevirtClusterSpec = { kind: 'kubevirt', id: 'kubevirt:dev', label: 'dev', kubeconfigPaths: [path.join(dir, 'a')], context: 'dev' };
    const kube = createSource(kubeSpec, { logger: { debug() {}, info() {}, warn() {}, error() {} } });
    assert.equal(kube.kind, 'kubevirt');
    assert.equal(kube.id, 'kubevirt:dev');
    kube.dispose();
  });
});
