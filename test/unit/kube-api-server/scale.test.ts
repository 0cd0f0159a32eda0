// Scale the watcher's fault tests rely on: three servers with 1,000 VMIs on each of three
// nodes, 500 migrations at once across them; every migration ends and every watch stream
// carries it. Waits on conditions only; the timings are printed, not asserted.
import { strict as assert } from 'node:assert';
import { startKubeApiServer, type KubeApiServer } from '../../support/kube-api-server';
import { kubeRequest, openWatch, type WatchReader } from './kube-request';
import { waitFor } from './wait-for';

describe('kube-api-server: scale', function () {
  this.timeout(120_000);
  const servers: KubeApiServer[] = [];
  const watches: WatchReader[] = [];

  after(async () => {
    for (const w of watches) w.close();
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('runs 500 concurrent migrations across 3 servers with 1,000 VMIs per node', async () => {
    const seedStart = Date.now();
    for (let s = 0; s < 3; s++) {
      const server = await startKubeApiServer({ timing: { perPhaseMs: 20 } });
      servers.push(server);
      for (let n = 1; n <= 3; n++) server.addNode({ name: `node0${n}` });
      for (let n = 1; n <= 3; n++) for (let i = 0; i < 1000; i++) server.addVmi({ name: `vmi-${n}-${String(i).padStart(4, '0')}`, node: `node0${n}` });
    }
    const seedMs = Date.now() - seedStart;
    const listStart = Date.now();
    const list = await kubeRequest(servers[0], 'GET', '/apis/kubevirt.io/v1/virtualmachineinstances', { timeoutMs: 30_000 });
    const listMs = Date.now() - listStart;
    assert.equal(list.json.items.length, 3000);
    for (const server of servers) watches.push(openWatch(server, `/apis/kubevirt.io/v1/virtualmachineinstancemigrations?watch=true&resourceVersion=${server.resourceVersion()}`));
    const runStart = Date.now();
    const created: Array<{ server: number; uid: string; name: string }> = [];
    for (let i = 0; i < 500; i++) {
      const s = i % 3;
      const m = servers[s].createMigration({ vmiName: `vmi-${1 + (i % 3)}-${String(Math.floor(i / 3)).padStart(4, '0')}` });
      created.push({ server: s, uid: m.metadata.uid!, name: m.metadata.name! });
    }
    const finished = new Set<string>();
    const scanned = [0, 0, 0];
    await waitFor(() => {
      watches.forEach((w, s) => {
        for (; scanned[s] < w.events.length; scanned[s]++) {
          const o = w.events[scanned[s]].object;
          if (o?.status?.phase === 'Succeeded' && !o.metadata.finalizers) finished.add(o.metadata.uid);
        }
      });
      return finished.size === created.length;
    }, 'all 500 migrations to finish on the watch streams', 100_000, 50);
    const runMs = Date.now() - runStart;
    for (const c of created) {
      const truth = servers[c.server].objects.migration({ uid: c.uid })!;
      assert.deepEqual(truth.phases.map((p) => p.phase), ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running', 'Succeeded']);
    }
    const events = watches.reduce((n, w) => n + w.events.length, 0);
    console.log(`      seeded 9,000 VMIs in ${seedMs} ms; listed 3,000 VMIs (${(list.text.length / 1e6).toFixed(1)} MB) in ${listMs} ms; 500 migrations ended in ${runMs} ms (${events} watch events)`);
  });
});
