// The QMP client against a real QEMU: a bare machine held before its first instruction (-S), so
// no guest is needed and each test starts in a blink.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { QmpClient, QmpConnectionClosedError, QmpError, QmpTimeoutError } from '../../../companion/blixard-node/runtime/qemu/qmp-client';
import type { QmpEvent } from '../../../companion/blixard-node/runtime/qemu/qmp-types';
import { requireQemu } from './qemu-harness';

describe('QmpClient against a real QEMU', function () {
  this.timeout(30_000);
  let dir: string;
  let qemu: ChildProcess | undefined;
  let client: QmpClient | undefined;

  before(() => requireQemu());

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blixard-qmp-'));
    const socket = path.join(dir, 'qmp.sock');
    qemu = spawn('qemu-system-x86_64', ['-M', 'pc', '-accel', 'tcg', '-m', '32', '-nodefaults', '-no-user-config', '-display', 'none', '-S', '-qmp', `unix:${socket},server=on,wait=off`], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        client = await QmpClient.connect(socket);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
    if (qemu && qemu.exitCode === null && qemu.signalCode === null) {
      qemu.kill('SIGCONT');
      qemu.kill('SIGKILL');
      await new Promise((resolve) => qemu?.once('exit', resolve));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads the greeting, negotiates capabilities and answers query-status', async () => {
    assert.equal(client!.greeting?.QMP.version.qemu.major, 7);
    const status = await client!.execute('query-status');
    assert.deepEqual({ running: status.running, status: status.status }, { running: false, status: 'prelaunch' });
  });

  it('answers many commands in the order they were sent, each with its own result', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? client!.execute('query-status') : client!.execute('query-migrate'))));
    answers.forEach((answer, i) => assert.equal('running' in answer, i % 2 === 0, `answer ${i}`));
  });

  it("rejects a bad command with QMP's own error class and description", async () => {
    const unknown = await client!.execute('no-such-command' as 'quit').catch((e: unknown) => e);
    assert.ok(unknown instanceof QmpError);
    assert.equal(unknown.errorClass, 'CommandNotFound');
    assert.match(unknown.desc, /no-such-command/);
    const badUri = await client!.execute('migrate', { uri: 'nonsense:1' }).catch((e: unknown) => e);
    assert.ok(badUri instanceof QmpError);
    assert.equal(badUri.errorClass, 'GenericError');
    // The connection is still good afterwards.
    assert.equal((await client!.execute('query-status')).status, 'prelaunch');
  });

  it('delivers asynchronous events between answers', async () => {
    const events: QmpEvent[] = [];
    client!.onEvent((event) => events.push(event));
    await client!.execute('cont');
    await client!.execute('stop');
    const deadline = Date.now() + 5000;
    while (!events.some((e) => e.event === 'STOP') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(events.map((e) => e.event).filter((name) => name === 'RESUME' || name === 'STOP'), ['RESUME', 'STOP']);
    assert.ok(events.every((e) => e.timestamp.seconds > 0));
  });

  it('times a command out, drops its late answer and keeps the next one right', async () => {
    qemu!.kill('SIGSTOP'); // QEMU reads nothing while stopped
    const late = await client!.execute('query-migrate', {}, { timeoutMs: 300 }).catch((e: unknown) => e);
    assert.ok(late instanceof QmpTimeoutError);
    const next = client!.execute('query-status');
    qemu!.kill('SIGCONT');
    assert.equal((await next).status, 'prelaunch', 'the answer to query-migrate was not taken for this one');
  });

  it('rejects the command in flight and the queued ones when the socket closes under them', async () => {
    qemu!.kill('SIGSTOP');
    const inFlight = client!.execute('query-status').catch((e: unknown) => e);
    const queued = client!.execute('query-migrate').catch((e: unknown) => e);
    qemu!.kill('SIGKILL');
    const [first, second] = await Promise.all([inFlight, queued]);
    assert.ok(first instanceof QmpConnectionClosedError, String(first));
    assert.match(first.message, /before query-status was answered/);
    assert.ok(second instanceof QmpConnectionClosedError);
    assert.ok(client!.isClosed);
    const after = await client!.execute('query-status').catch((e: unknown) => e);
    assert.ok(after instanceof QmpConnectionClosedError);
  });

  it('closes cleanly: close() resolves and later commands are refused', async () => {
    let closedWith: string | undefined;
    client!.onClose((reason) => (closedWith = reason));
    await client!.close();
    assert.equal(closedWith, 'closed by the client');
    assert.ok((await client!.execute('query-status').catch((e: unknown) => e)) instanceof QmpConnectionClosedError);
  });

  it('fails to connect to a socket nobody serves, with the reason', async () => {
    const error = await QmpClient.connect(path.join(dir, 'nobody.sock'), { connectTimeoutMs: 1000 }).catch((e: unknown) => e);
    assert.ok(error instanceof QmpConnectionClosedError);
    assert.match(error.message, /ENOENT/);
  });
});
