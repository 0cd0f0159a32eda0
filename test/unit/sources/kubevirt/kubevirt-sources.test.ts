import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createKubevirtSources } from '../../../../src/sources/kubevirt/kubevirt-sources';
import { TempDir } from './source-harness';

function kubeconfig(contexts: string[]): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: c',
    '  cluster:',
    '    server: https://127.0.0.1:6443',
    'users:',
    '- name: u',
    '  user:',
    '    token: t',
    'contexts:',
    ...contexts.flatMap((name) => [`- name: ${name}`, '  context:', '    cluster: c', '    user: u']),
    '',
  ].join('\n');
}

describe('KubeVirt sources per kubeconfig context', () => {
  let dir: TempDir;
  beforeEach(() => (dir = new TempDir()));
  afterEach(() => dir.dispose());

  it('builds one source per context, or per selected context, naming the missing ones', async () => {
    const file = dir.file('config');
    writeFileSync(file, kubeconfig(['lab', 'prod/eu-west', 'staging']));
    const all = await createKubevirtSources({ kubeconfigPaths: [file] });
    assert.deepEqual(
      all.sources.map((s) => [s.id, s.label, s.kind]),
      [
        ['kubevirt:lab', 'lab', 'kubevirt'],
        ['kubevirt:prod/eu-west', 'prod/eu-west', 'kubevirt'],
        ['kubevirt:staging', 'staging', 'kubevirt'],
      ],
    );
    assert.deepEqual(all.problems, []);
    all.sources.forEach((s) => s.dispose());

    const some = await createKubevirtSources({ kubeconfigPaths: [file], contexts: ['staging', 'gone', 'staging'], datacenter: 'dc1' });
    assert.deepEqual(
      some.sources.map((s) => [s.id, s.datacenter]),
      [['kubevirt:staging', 'dc1']],
    );
    assert.deepEqual(some.problems, ['Kubeconfig context gone is selected but no kubeconfig file defines it']);
    some.sources.forEach((s) => s.dispose());
  });

  it('stays cheap to import: client-node is loaded on first use only', () => {
    const script = `
      const t = process.hrtime.bigint();
      require('./src/sources/kubevirt/kubevirt-sources');
      require('./src/sources/kubevirt/kubevirt-source');
      const loaded = Object.keys(require.cache).filter((k) => k.includes('@kubernetes/client-node'));
      process.stdout.write(JSON.stringify({ loaded: loaded.length }));
    `;
    const out = execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 60_000 });
    assert.deepEqual(JSON.parse(out), { loaded: 0 });
  });
});
