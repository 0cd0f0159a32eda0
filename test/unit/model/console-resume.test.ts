// The console clients' reconnect decisions, on a fake clock: the cursor they send back as
// ConsoleInput.resume, and which daemon to try next, after what pause, until when.

import assert from 'node:assert/strict';
import { ConsoleCursor, ConsoleReconnect } from '../../../src/model/console-resume';

describe('ConsoleCursor', () => {
  it('has nothing to resume before an attach, then the log and the last position received', () => {
    const cursor = new ConsoleCursor();
    assert.equal(cursor.resume(), undefined);
    assert.equal(cursor.hasAttached, false);
    cursor.attached('log-a', '100');
    assert.deepEqual(cursor.resume(), { logId: 'log-a', position: '100' }, 'nothing received yet: where the replay began');
    cursor.received('180');
    cursor.received('260');
    assert.deepEqual(cursor.resume(), { logId: 'log-a', position: '260' });
    cursor.attached('log-b', '0');
    assert.deepEqual(cursor.resume(), { logId: 'log-b', position: '0' }, 'another log: its own positions');
  });
});

describe('ConsoleReconnect', () => {
  let now = 0;
  const plan = (giveUpMs = 10_000) => new ConsoleReconnect({ backoff: { initialMs: 250, maxMs: 1000, jitter: 0 }, giveUpMs, now: () => now });
  beforeEach(() => (now = 0));

  it('tries the daemon it lost first, then the others it knows, a round at a time with a growing pause', () => {
    const r = plan();
    for (const a of ['n1:1', 'n2:2', 'n3:3']) r.learn(a);
    r.learn('n2:2');
    assert.equal(r.reconnecting, false);
    r.lost('n2:2');
    assert.equal(r.reconnecting, true);
    const steps = Array.from({ length: 9 }, () => {
      const step = r.next()!;
      now += step.delayMs;
      r.lost(step.address); // each attempt fails
      return `${step.address}+${step.delayMs}`;
    });
    assert.deepEqual(steps, ['n2:2+0', 'n1:1+0', 'n3:3+0', 'n1:1+250', 'n2:2+0', 'n3:3+0', 'n1:1+500', 'n2:2+0', 'n3:3+0']);
  });

  it('gives up when the next attempt would come after its time, and starts afresh after a success', () => {
    const r = plan(2000);
    r.learn('n1:1');
    r.lost('n1:1');
    const delays: number[] = [];
    for (let step = r.next(); step; step = r.next()) {
      delays.push(step.delayMs);
      now += step.delayMs + 10;
    }
    assert.deepEqual(delays, [0, 250, 500, 1000]);
    assert.ok(r.elapsedMs() <= 2000);
    r.succeeded();
    assert.equal(r.reconnecting, false);
    assert.equal(r.next(), undefined, 'not reconnecting: nothing to try');
    r.lost('n9:9');
    assert.deepEqual(r.next(), { address: 'n9:9', delayMs: 0 }, 'a new address is learned, the backoff is fresh');
  });
});
