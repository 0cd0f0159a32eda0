// A kubeconfig rewritten at the same path (a rotated token or certificate) reaches the clusters:
// on real parts — the local KubeVirt API server, the kubeconfig files it writes, the registry and
// real KubevirtSources — a context with bad credentials is unreachable, and once the file holds good
// ones the cluster reconnects by itself (the file is watched), or on Refresh/Retry (reread()).

import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ClusterRegistry } from '../../../../src/sources/cluster-registry';
import type { ClusterSource } from '../../../../src/sources/cluster-source';
import { parseSourceSettings } from '../../../../src/sources/source-settings';
import { seedCluster, startKubeApiServer, type KubeApiServer } from '../../../support/kube-api-server';
import { tempDir, waitFor } from '../../history/support/fixtures';

const ID = 'kubevirt:kv';
const logger = { debug() {}, info() {}, warn() {}, error() {} };

describe('a kubeconfig rewritten at the same path', function () {
  this.timeout(60_000);
  let server: KubeApiServer;
  let dir: { dir: string; cleanup: () => void };
  let kubeconfig: string;
  const registries: ClusterRegistry[] = [];

  before(async () => {
    server = await startKubeApiServer({ bookmarkIntervalMs: 300 });
    seedCluster(server, { nodes: 2, vmisPerNode: 1 });
  });
  after(async () => server?.stop());
  beforeEach(async () => {
    dir = tempDir('kubeconfig-reread');
    kubeconfig = path.join(dir.dir, 'config');
    await server.writeKubeconfig(kubeconfig, { clusterName: 'kv', contexts: [{ name: 'kv', token: 'revoked-token' }], currentContext: 'kv' });
  });
  afterEach(() => {
    for (const r of registries.splice(0)) r.dispose();
    dir.cleanup();
  });

  async function registryFor(watchFiles: boolean): Promise<ClusterRegistry> {
    const registry = new ClusterRegistry({ logger }, undefined, watchFiles ? { watchFiles: { debounceMs: 100 } } : {});
    registries.push(registry);
    const { settings } = parseSourceSettings({ clusters: [], kubeconfig: [kubeconfig], contexts: [] });
    await registry.applySettings(settings);
    return registry;
  }

  async function unreachableSource(registry: ClusterRegistry): Promise<ClusterSource> {
    const source = registry.get(ID)!.acquire();
    await assert.rejects(source.listNodes(), /unauthori[sz]ed|credentials|token|401/i);
    assert.equal(source.connection.state, 'unreachable');
    return source;
  }

  async function reconnected(registry: ClusterRegistry, old: ClusterSource): Promise<ClusterSource> {
    const source = await waitFor('the cluster to be rebuilt with the new credentials', () => {
      const current = registry.get(ID)?.acquire();
      return current !== old ? current : undefined;
    }, 20_000);
    assert.equal((await source.listNodes()).length, 2, 'the new credentials work');
    await waitFor('the rebuilt source to be connected', () => source.connection.state === 'connected', 20_000);
    return source;
  }

  it('reconnects by itself when the file is replaced (rename over it) or written in place, with no settings change', async () => {
    const registry = await registryFor(true);
    assert.ok(registry.watchedFiles.includes(kubeconfig), 'the kubeconfig file is followed');
    const bad = await unreachableSource(registry);

    // writeKubeconfig writes a temporary file and renames it over the old one, as rotators do.
    await server.writeKubeconfig(kubeconfig, { clusterName: 'kv', contexts: [{ name: 'kv' }], currentContext: 'kv' });
    const good = await reconnected(registry, bad);

    // Rotated again, written in place this time: to a revoked token, and the cluster follows.
    writeFileSync(kubeconfig, readFileSync(kubeconfig, 'utf8').replace(server.token, 'revoked-again'));
    const revoked = await waitFor('the cluster to be rebuilt again', () => {
      const current = registry.get(ID)?.acquire();
      return current !== good ? current : undefined;
    }, 20_000);
    await assert.rejects(revoked.listNodes(), /unauthori[sz]ed|credentials|token|401/i);
  });

  it('is read again on Refresh/Retry (reread) when nothing watches it', async () => {
    const registry = await registryFor(false);
    const bad = await unreachableSource(registry);
    await server.writeKubeconfig(kubeconfig, { clusterName: 'kv', contexts: [{ name: 'kv' }], currentContext: 'kv' });
    assert.equal(registry.get(ID)!.acquire(), bad, 'without a watch, nothing happens until asked');
    await registry.reread();
    await reconnected(registry, bad);
  });

  it('keeps a source whose kubeconfig did not change for it', async () => {
    await server.writeKubeconfig(kubeconfig, { clusterName: 'kv', contexts: [{ name: 'kv' }, { name: 'other' }], currentContext: 'kv' });
    const registry = await registryFor(false);
    const source = registry.get(ID)!.acquire();
    await source.listNodes();
    // Another context's token rotates; this one's entries stay as they were.
    await server.writeKubeconfig(kubeconfig, { clusterName: 'kv', contexts: [{ name: 'kv' }, { name: 'other', token: 'rotated' }], currentContext: 'kv' });
    await registry.reread();
    assert.equal(registry.get(ID)!.acquire(), source, 'not reconnected for nothing');
    assert.notEqual(registry.get('kubevirt:other'), undefined);
  });
});
