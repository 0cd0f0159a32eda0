// blixard.kubevirt.prometheus reaches the KubeVirt specs: a URL (or { url, certificateAuthority })
// per kubeconfig context, "*" for every other; unusable entries are problems, never errors; the
// source built from a spec asks the token provider for the URL's token.

import * as assert from 'node:assert/strict';
import { planClusterSpecs } from '../../../src/sources/create-sources';
import { parseSourceSettings } from '../../../src/sources/source-settings';

const contexts = async () => ({ contexts: [{ name: 'prod' }, { name: 'lab' }, { name: 'dev' }], clusters: new Map(), users: new Map() });

async function plan(prometheus: unknown) {
  const { settings, problems } = parseSourceSettings({ clusters: [], kubeconfig: ['/k'], contexts: [], prometheus }, { homeDir: '/home/op' });
  const specs = (await planClusterSpecs(settings, contexts)).specs;
  return { problems, byContext: Object.fromEntries(specs.map((s) => [s.label, s.kind === 'kubevirt' ? s.prometheus : undefined])) };
}

describe('Prometheus setting (blixard.kubevirt.prometheus)', () => {
  it('gives each context its own Prometheus, else the "*" one', async () => {
    const { problems, byContext } = await plan({ prod: { url: 'https://prom.prod:9090', certificateAuthority: '~/ca/prod.pem' }, '*': 'http://127.0.0.1:9090' });
    assert.deepEqual(problems, []);
    assert.deepEqual(byContext.prod, { url: 'https://prom.prod:9090', certificateAuthority: '/home/op/ca/prod.pem' });
    assert.deepEqual(byContext.lab, { url: 'http://127.0.0.1:9090' });
    assert.deepEqual(byContext.dev, { url: 'http://127.0.0.1:9090' });
  });

  it('leaves contexts without one to phases only, and says what is wrong with an entry', async () => {
    const { problems, byContext } = await plan({ prod: 'ftp://prom', lab: { url: 'https://user:secret@prom.lab' }, dev: 42 });
    assert.deepEqual(byContext, { prod: undefined, lab: undefined, dev: undefined });
    assert.equal(problems.length, 3);
    assert.ok(problems.every((p) => p.setting === 'blixard.kubevirt.prometheus'));
    assert.match(problems[1].message, /no credentials in the URL; use "Blixard: Set Prometheus Token"/);
    assert.ok(!problems.some((p) => p.message.includes('secret')), 'a URL credential is not repeated');
    assert.deepEqual((await plan(['http://x'])).problems.map((p) => p.message), ['must map kubeconfig context names (or "*") to Prometheus URLs']);
    assert.deepEqual((await plan(undefined)).problems, []);
  });
});
