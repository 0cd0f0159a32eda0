import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { DevClusterProcess, parseDevClusterReadyLine } from '../../../src/ui/dev-cluster/core/dev-cluster-process';

const script = path.resolve(__dirname, '../../../dist/companion/blixard-node.js');

describe('DevClusterProcess', () => {
  it('parses the ready line and nothing else', () => {
    assert.deepEqual(parseDevClusterReadyLine('blixard dev-cluster ready: 127.0.0.1:7001,127.0.0.1:7002'), ['127.0.0.1:7001', '127.0.0.1:7002']);
    assert.equal(parseDevClusterReadyLine('blixard dev-cluster ready: '), undefined);
    assert.equal(parseDevClusterReadyLine('blixard dev-cluster ready: not an endpoint'), undefined);
    assert.equal(parseDevClusterReadyLine('something else'), undefined);
  });

  it('says what to do when the daemon has not been built', async () => {
    await assert.rejects(DevClusterProcess.start({ script: '/nonexistent/blixard-node.js' }), /npm run build/);
  });

  it('starts the companion dev cluster, which serves on the announced ports, and stops it', async function () {
    this.timeout(60_000);
    assert.ok(existsSync(script), `build first: ${script} is missing (npm run build)`);
    const cluster = await DevClusterProcess.start({ script, nodes: 2, vms: 2 });
    try {
      assert.equal(cluster.endpoints.length, 2);
      for (const endpoint of cluster.endpoints) {
        const [host, port] = endpoint.split(':');
        await new Promise<void>((resolve, reject) => {
          const socket = net.connect(Number(port), host, () => {
            socket.end();
            resolve();
          });
          socket.once('error', reject);
        });
      }
    } finally {
      await cluster.stop();
    }
    assert.equal(cluster.running, false);
  });

  it('reports a daemon that exits before it is ready, with its last words', async function () {
    this.timeout(30_000);
    assert.ok(existsSync(script), `build first: ${script} is missing (npm run build)`);
    await assert.rejects(DevClusterProcess.start({ script, nodes: 0 }), /exited .*before it was ready[\s\S]*nodes/);
  });
});
