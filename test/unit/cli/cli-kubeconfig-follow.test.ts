// `blixard-migrations watch` follows its kubeconfig like the extension does: the file rewritten
// while the watch runs (a context added, one removed) is read again and the clusters watched
// change with it, without a restart.

import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from '../watch/support/kubevirt-watch-rig';
import { CLI, ensureBundle } from './support/cli-bundle';

function kubeconfig(contexts: string[]): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    // Nothing listens on port 1 of the loopback: each context just says it cannot connect.
    '- name: c',
    '  cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}',
    'users:',
    '- name: u',
    '  user: {token: not-a-real-token}',
    'contexts:',
    ...contexts.flatMap((name) => [`- name: ${name}`, '  context: {cluster: c, user: u}']),
    '',
  ].join('\n');
}

describe('blixard-migrations watch following its kubeconfig', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => ensureBundle());
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'blixard-cli-follow-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('watches the contexts of the file as rewritten, without a restart', async () => {
    const file = path.join(dir, 'kubeconfig.yaml');
    writeFileSync(file, kubeconfig(['first']));
    const child = spawn(process.execPath, [CLI, 'watch', '--kubeconfig', file, '--db', path.join(dir, 'history.db')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => /^watching first; recording to /m.test(stderr), () => `the first watching line; stderr: ${stderr}`, 15_000);
      // Replaced the way editors and credential tools do it: a new file renamed over the old one.
      writeFileSync(`${file}.new`, kubeconfig(['first', 'second']));
      renameSync(`${file}.new`, file);
      await waitFor(() => /^watching first, second; recording to /m.test(stderr), () => `the file read again; stderr: ${stderr}`, 15_000);
      writeFileSync(file, kubeconfig(['second']));
      await waitFor(() => /^watching second; recording to /m.test(stderr), () => `a context removed; stderr: ${stderr}`, 15_000);
      child.kill('SIGINT');
      assert.equal(await exited, 0, stderr);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
