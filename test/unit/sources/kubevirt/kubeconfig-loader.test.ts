import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  defaultKubeconfigPaths,
  listKubeContexts,
  loadKubeConfigForContext,
  resolveKubeconfigPaths,
} from '../../../../src/sources/kubevirt/kubeconfig-loader';

function kubeconfig(opts: { contexts: Array<[string, string, string]>; clusters: Array<[string, string]>; users: Array<[string, string]>; current?: string }): string {
  const lines = ['apiVersion: v1', 'kind: Config', 'clusters:'];
  for (const [name, server] of opts.clusters) lines.push(`- name: ${name}`, '  cluster:', `    server: ${server}`, '    certificate-authority: ca.crt');
  lines.push('users:');
  for (const [name, token] of opts.users) lines.push(`- name: ${name}`, '  user:', `    token: ${token}`);
  lines.push('contexts:');
  for (const [name, cluster, user] of opts.contexts) lines.push(`- name: ${name}`, '  context:', `    cluster: ${cluster}`, `    user: ${user}`, '    namespace: vms');
  if (opts.current) lines.push(`current-context: ${opts.current}`);
  return lines.join('\n') + '\n';
}

describe('kubeconfig loading', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'blixard-kubeconfig-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to $KUBECONFIG, else ~/.kube/config', () => {
    assert.deepEqual(defaultKubeconfigPaths({ KUBECONFIG: `/a/one${path.delimiter}${path.delimiter}~/two` }, '/home/u'), ['/a/one', '/home/u/two']);
    assert.deepEqual(defaultKubeconfigPaths({}, '/home/u'), ['/home/u/.kube/config']);
    assert.deepEqual(resolveKubeconfigPaths(undefined, {}, '/home/u'), ['/home/u/.kube/config']);
    assert.deepEqual(resolveKubeconfigPaths([], { KUBECONFIG: '/k' }, '/home/u'), ['/k']);
    assert.deepEqual(resolveKubeconfigPaths(['~/x', `/y${path.delimiter}/z`, '/y'], {}, '/home/u'), ['/home/u/x', '/y', '/z']);
    assert.deepEqual(resolveKubeconfigPaths('/only', {}, '/home/u'), ['/only']);
  });

  it('lists the contexts of several files, the first definition of a name winning', async () => {
    const first = path.join(dir, 'first.yaml');
    const second = path.join(dir, 'second.yaml');
    writeFileSync(first, kubeconfig({ clusters: [['c1', 'https://one.example:6443']], users: [['u1', 't1']], contexts: [['lab', 'c1', 'u1']], current: 'lab' }));
    writeFileSync(
      second,
      kubeconfig({
        clusters: [
          ['c1', 'https://shadowed.example'],
          ['c2', 'https://admin:pw@two.example:6443/'],
        ],
        users: [['u2', 't2']],
        contexts: [
          ['lab', 'c2', 'u2'],
          ['prod', 'c2', 'u2'],
          ['orphan', 'nowhere', 'u2'],
        ],
        current: 'prod',
      }),
    );
    const list = await listKubeContexts([first, path.join(dir, 'missing.yaml'), second]);
    assert.deepEqual(
      list.contexts.map((c) => [c.name, c.cluster, c.server, c.namespace, path.basename(c.file)]),
      [
        ['lab', 'c1', 'https://one.example:6443', 'vms', 'first.yaml'],
        ['prod', 'c2', 'https://two.example:6443', 'vms', 'second.yaml'],
        ['orphan', 'nowhere', undefined, 'vms', 'second.yaml'],
      ],
    );
    assert.equal(list.currentContext, 'lab');
    assert.equal(list.problems.length, 2);
    assert.match(list.problems[0], /missing\.yaml does not exist/);
    assert.match(list.problems[1], /Context orphan names cluster nowhere/);
    assert.ok(!JSON.stringify(list).includes('t1') && !JSON.stringify(list).includes(':pw@'), 'no credentials in the listing');

    writeFileSync(path.join(dir, 'ca.crt'), 'the CA bundle');
    const kc = await loadKubeConfigForContext([first, second], 'prod');
    assert.equal(kc.getCurrentContext(), 'prod');
    assert.equal(kc.getCurrentCluster()?.server, 'https://admin:pw@two.example:6443');
    // Read here (relative to its kubeconfig's folder) and handed over inline: client-node never opens a path.
    assert.equal(kc.getCurrentCluster()?.caFile, undefined);
    assert.equal(Buffer.from(kc.getCurrentCluster()?.caData ?? '', 'base64').toString(), 'the CA bundle');
    assert.deepEqual(kc.getContexts().map((c) => c.name), ['prod'], 'only the one context, not every context of every file');
    await assert.rejects(loadKubeConfigForContext([first], 'nope'), (err: Error) => /Kubeconfig context nope not found/.test(err.message));
    await assert.rejects(loadKubeConfigForContext([second], 'orphan'), (err: Error) => /names cluster nowhere/.test(err.message));
  });

  it('reads a token file itself, safely, and refuses a FIFO there naming context, field and file', async () => {
    const token = path.join(dir, 'token');
    writeFileSync(token, 'token-from-file\n');
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const file = path.join(dir, 'config.yaml');
    const config = (tokenFile: string) =>
      ['clusters:', '- name: c', '  cluster: {server: "https://k.example"}', 'users:', '- name: u', `  user: {tokenFile: ${tokenFile}}`, 'contexts:', '- name: prod', '  context: {cluster: c, user: u}', ''].join('\n');
    writeFileSync(file, config('token'));
    const kc = await loadKubeConfigForContext([file], 'prod');
    assert.equal(kc.getCurrentUser()?.token, 'token-from-file', 'relative to the kubeconfig, inline for client-node');
    writeFileSync(file, config(fifo));
    await assert.rejects(loadKubeConfigForContext([file], 'prod'), (err: Error) => err.message === `context "prod": tokenFile ${fifo} is a FIFO (named pipe), not a regular file`);
  });

  it('reports an invalid file without echoing its content', async () => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'users:\n- name: u\n  user:\n    token: supersecret-token\n  : : [unclosed\n');
    const empty = path.join(dir, 'empty.yaml');
    writeFileSync(empty, '');
    const scalar = path.join(dir, 'scalar.yaml');
    writeFileSync(scalar, 'just a string\n');
    const list = await listKubeContexts([bad, empty, scalar]);
    assert.deepEqual(list.contexts, []);
    assert.equal(list.problems.length, 2, list.problems.join(' | '));
    assert.match(list.problems[0], /bad\.yaml is not valid YAML \(line \d+\)/);
    assert.match(list.problems[1], /scalar\.yaml is not a kubeconfig file/);
    assert.ok(!list.problems.join('').includes('supersecret'));
  });
});
