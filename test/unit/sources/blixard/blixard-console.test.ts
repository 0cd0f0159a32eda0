// BlixardSource.attachConsole against real daemons: the core maps the stream to terminal text,
// and the source follows the VM across a live migration with the guest's counter continuing.

import assert from 'node:assert/strict';
import { ConsoleTerminalCore } from '../../../../src/ui/console/core/console-terminal-core';
import { sourceFor, startTestCluster, type DevCluster } from './support/test-cluster';
import { waitFor } from './support/wait-for';

const heartbeats = (text: string) => [...text.matchAll(/heartbeat (\d+)/g)].map((m) => Number(m[1]));

describe('BlixardSource.attachConsole (dev cluster)', function () {
  this.timeout(30_000);
  let cluster: DevCluster;
  before(async () => {
    cluster = await startTestCluster({ vms: 2, bandwidthMbps: 4000 });
  });
  after(async () => {
    await cluster?.stop();
  });

  it('shows the console in a terminal, sends input, and follows the VM to its new node', async () => {
    // Connected through node 2: the daemon there sends the client on to node 1, which runs vm-1.
    const source = sourceFor([cluster.endpoints[1], cluster.endpoints[0], cluster.endpoints[2]]);
    const core = new ConsoleTerminalCore('vm-1', () => {});
    const attachment = source.attachConsole('vm-1', core);
    try {
      await waitFor(() => heartbeats(core.transcript).length >= 1, 'a heartbeat', 5000);
      assert.match(core.transcript, /^\[console: vm-1 on node-1; close the terminal to detach\]\r\n/);
      assert.match(core.transcript, /simulated guest vm-1 booted\r\n/);
      attachment.write('ls\r');
      await waitFor(() => core.transcript.includes('$ ls\r\n'), 'the echo', 3000);
      await source.migrate({ vmId: 'vm-1', targetNodeId: '3', live: true });
      await waitFor(() => core.transcript.includes('[console: vm-1 moved to node-3]'), 'the move', 15_000);
      const before = heartbeats(core.transcript).length;
      await waitFor(() => heartbeats(core.transcript).length >= before + 2, 'heartbeats from node 3', 5000);
      const counts = heartbeats(core.transcript);
      assert.deepEqual(counts, counts.map((_, i) => counts[0] + i), `the counter continues: ${counts.join(' ')}`);
      assert.equal(core.transcript.split('booted').length, 2, 'booted once');
      assert.equal(core.endReason, undefined);
    } finally {
      attachment.dispose();
      source.dispose();
    }
    assert.equal(core.endReason, 'detached');
  });

  it('tries the next endpoint when the first is down', async () => {
    const source = sourceFor(['127.0.0.1:1', cluster.endpoints[0]]);
    const core = new ConsoleTerminalCore('vm-1', () => {});
    const attachment = source.attachConsole('vm-1', core);
    try {
      await waitFor(() => core.transcript.includes('[console: vm-1 on node-'), 'attached through the second endpoint', 10_000);
      assert.equal(core.endReason, undefined);
    } finally {
      attachment.dispose();
      source.dispose();
    }
  });

  it('says why when there is nothing to attach to', async () => {
    const source = sourceFor([cluster.endpoints[0]]);
    const core = new ConsoleTerminalCore('vm-2', () => {});
    const attachment = source.attachConsole('vm-2', core);
    try {
      await waitFor(() => core.endReason !== undefined, 'the end', 5000);
      assert.match(core.endReason!, /not running/);
      assert.match(core.transcript, /\[console: ended: .*not running.*\]\r\n$/);
    } finally {
      attachment.dispose();
      source.dispose();
    }
  });
});

describe('ConsoleTerminalCore', () => {
  it('turns bare line feeds into CR LF, across chunks, and leaves other control characters alone', () => {
    const written: string[] = [];
    const core = new ConsoleTerminalCore('vm-1', (t) => written.push(t));
    core.output(Buffer.from('a\nb\r'));
    core.output(Buffer.from('\nc\x1b[31mred\x1b[0m\x07\b'));
    assert.equal(written.join(''), 'a\r\nb\r\nc\x1b[31mred\x1b[0m\x07\b');
  });

  it('decodes UTF-8 split between chunks', () => {
    const written: string[] = [];
    const core = new ConsoleTerminalCore('vm-1', (t) => written.push(t));
    const bytes = Buffer.from('grüße\n');
    core.output(bytes.subarray(0, 3));
    core.output(bytes.subarray(3));
    assert.equal(written.join(''), 'grüße\r\n');
  });

  it('puts its notes on lines of their own, says the first node once, and keeps input as typed', () => {
    const written: string[] = [];
    const core = new ConsoleTerminalCore('vm-1', (t) => written.push(t));
    core.attached('node-1');
    core.output(Buffer.from('heartbeat 1\nhalf'));
    core.moved('node-2');
    core.attached('node-2');
    core.ended('VM \x1b[2J\'vm-1\' is stopping');
    core.ended('again');
    assert.equal(
      written.join(''),
      '[console: vm-1 on node-1; close the terminal to detach]\r\nheartbeat 1\r\nhalf\r\n[console: vm-1 moved to node-2]\r\n[console: ended: VM  [2J\'vm-1\' is stopping]\r\n',
    );
    assert.equal(core.endReason, "VM \x1b[2J'vm-1' is stopping");
    assert.equal(core.input('ls\r\x03'), 'ls\r\x03');
  });
});
