// Hostile kubeconfigs against the shipped CLI (`blixard-migrations watch`), each run under hard
// limits on time and memory (a run past them is killed and the case fails, instead of eating the
// machine): files a kubeconfig names that never end (/dev/zero) or never answer (a FIFO), a
// FIFO given as the kubeconfig itself, YAML alias bombs in an exec plugin's args and env, and
// 2,000 contexts. Each must end in a clear error naming the field and the file, memory must stay
// flat, and Ctrl-C must stop the process within two seconds.

import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureBundle, runCliBounded, type BoundedRun } from '../cli/support/cli-bundle';

/** Node, client-node and a small history take ~100 MB; /dev/zero read whole passes this in well under a second. */
const MAX_RSS_BYTES = 300 * 1024 * 1024;
/** 2,000 contexts (6,000 informers retrying a refused server) stay under this; the README states it. */
const MANY_CONTEXTS_MAX_RSS_BYTES = 350 * 1024 * 1024;
const TIMEOUT_MS = 12_000;
const SIGINT_WITHIN_MS = 2_000;
/** Nothing listens on port 1 of the loopback: every connection is refused at once. */
const REFUSING_SERVER = 'https://127.0.0.1:1';

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One cluster and user; `user` as an object, or as YAML flow text (to hold a bare alias). */
function kubeconfig(options: { cluster?: Record<string, unknown>; user?: Record<string, unknown> | string; contexts?: number; preamble?: string }): string {
  const cluster = { server: REFUSING_SERVER, 'insecure-skip-tls-verify': true, ...options.cluster };
  const user = options.user ?? { token: 'not-a-real-token' };
  const count = options.contexts ?? 1;
  const names = Array.from({ length: count }, (_, i) => (count === 1 ? 'prod' : `ctx-${String(i).padStart(4, '0')}`));
  return [
    'apiVersion: v1',
    'kind: Config',
    ...(options.preamble ? [options.preamble] : []),
    `current-context: ${names[0]}`,
    'clusters:',
    `- name: c`,
    `  cluster: ${JSON.stringify(cluster)}`,
    'users:',
    '- name: u',
    `  user: ${typeof user === 'string' ? user : JSON.stringify(user)}`,
    'contexts:',
    ...names.flatMap((name) => [`- name: ${name}`, '  context: {cluster: c, user: u}']),
    '',
  ].join('\n');
}

/** Nine levels of nine aliases: 387 million strings once expanded, under 1 KB written. */
function aliasBomb(): string {
  const lines = ['x-anchors:', '  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i <= 8; i++) lines.push(`  a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]`);
  return lines.join('\n');
}

describe('hostile kubeconfigs, against the CLI under limits on time and memory', function () {
  this.timeout(60_000);
  let dir: string;
  let fifo: string;
  before(() => ensureBundle());
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'blixard-hostile-'));
    fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function write(name: string, text: string): string {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  }

  async function watch(kubeconfigFile: string, limits: { maxRssBytes?: number; interruptWhen?: RegExp } = {}): Promise<BoundedRun> {
    const maxRssBytes = limits.maxRssBytes ?? MAX_RSS_BYTES;
    const run = await runCliBounded(['watch', '--kubeconfig', kubeconfigFile, '--db', path.join(dir, 'history.db')], {
      timeoutMs: TIMEOUT_MS,
      maxRssBytes,
      ...(limits.interruptWhen ? { interrupt: { when: limits.interruptWhen, orAfterMs: 5_000 } } : {}),
    });
    const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
    assert.equal(run.killedFor, undefined, `killed for ${run.killedFor} after ${run.elapsedMs} ms at ${mib(run.peakRssBytes)} MiB; stderr: ${run.stderr.slice(0, 2000)}`);
    assert.ok(run.peakRssBytes < maxRssBytes, `peak memory ${mib(run.peakRssBytes)} MiB, over ${mib(maxRssBytes)} MiB`);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    if (limits.interruptWhen) {
      assert.match(run.stderr, limits.interruptWhen, 'reached the point under test before Ctrl-C');
      assert.ok(run.exitedAfterSigintMs !== undefined && run.exitedAfterSigintMs < SIGINT_WITHIN_MS, `exited ${run.exitedAfterSigintMs} ms after SIGINT`);
    }
    return run;
  }

  const referencedFiles: Array<[string, (file: string) => { cluster?: Record<string, unknown>; user?: Record<string, unknown> }]> = [
    ['certificate-authority', (file) => ({ cluster: { 'insecure-skip-tls-verify': false, 'certificate-authority': file } })],
    ['client-certificate', (file) => ({ user: { 'client-certificate': file, 'client-key-data': Buffer.from('key').toString('base64') } })],
    ['client-key', (file) => ({ user: { 'client-certificate-data': Buffer.from('cert').toString('base64'), 'client-key': file } })],
  ];

  it('/dev/zero as certificate-authority: refused unread, naming context, field and file; Ctrl-C honoured', async () => {
    const file = write('zero-ca.yaml', kubeconfig(referencedFiles[0][1]('/dev/zero')));
    await watch(file, { interruptWhen: /context "prod": certificate-authority \/dev\/zero is a character device, not a regular file/ });
  });

  for (const [field, entry] of referencedFiles) {
    it(`a FIFO as ${field}: refused without blocking, naming context, field and file; Ctrl-C honoured`, async () => {
      const file = write(`fifo-${field}.yaml`, kubeconfig(entry(fifo)));
      await watch(file, { interruptWhen: new RegExp(`context "prod": ${field} ${escape(fifo)} is a FIFO \\(named pipe\\), not a regular file`) });
    });
  }

  it('a FIFO as --kubeconfig: refused before it is opened, nothing to watch, exit 2', async () => {
    const run = await watch(fifo);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`^warning: --kubeconfig: ${escape(fifo)} is a FIFO \\(named pipe\\), not a regular file$`, 'm'));
  });

  for (const [where, user] of [
    ['args', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/true', args: '*a8' } }],
    ['env', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/true', env: [{ name: 'X', value: '*a8' }] } }],
  ] as const) {
    it(`a YAML alias bomb in an exec plugin's ${where}: refused with a clear error, memory flat, exit 2`, async () => {
      // The user entry as YAML flow text, with the alias left bare (JSON would quote it).
      const userText = JSON.stringify(user).replace('"*a8"', '*a8');
      const file = write(`bomb-${where}.yaml`, kubeconfig({ preamble: aliasBomb(), user: userText }));
      const run = await watch(file);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, new RegExp(`^warning: --kubeconfig: ${escape(file)}: uses YAML aliases that expand it past 200,000 entries or 16 MiB`, 'm'));
    });
  }

  it('2,000 contexts: starts, lists them on one line, stays under the stated memory, and stops on Ctrl-C within 2 s', async () => {
    const file = write('many.yaml', kubeconfig({ contexts: 2000 }));
    const run = await watch(file, { maxRssBytes: MANY_CONTEXTS_MAX_RSS_BYTES, interruptWhen: /Cannot reach ctx-\d{4}: connection refused/ });
    assert.match(run.stderr, /^watching 2,000 clusters: ctx-0000, ctx-0001, .*, ctx-0009 and 1,990 more; recording to /m);
  });
});
