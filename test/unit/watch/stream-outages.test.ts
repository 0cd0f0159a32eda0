// One account of stream outages (watcher.outages) and the output lines it gives: a cluster that
// fails to reconnect again and again is said down once, back once with how long and how often.

import { strict as assert } from 'node:assert';
import { followMigrationOutput } from '../../../src/watch/migration-output';
import { MigrationWatcher } from '../../../src/watch/migration-watcher';
import { OutputLineFormatter } from '../../../src/watch/output-line-formatter';
import type { StreamOutageEvent } from '../../../src/watch/stream-outages';
import { ScriptedSource, T0 } from './scripted-source';

describe('stream outages', () => {
  function rig() {
    let now = T0;
    const watcher = new MigrationWatcher({ now: () => now });
    const source = new ScriptedSource('dev', 'blixard');
    const events: StreamOutageEvent[] = [];
    watcher.outages.onDidChange((e) => events.push(e));
    const lines: { line: string; level: string }[] = [];
    followMigrationOutput(watcher, new OutputLineFormatter({ clusterLabel: () => 'local-dev', now: () => now }), {
      migration: (line) => lines.push({ line, level: 'migration' }),
      stream: (line, level) => lines.push({ line, level }),
    });
    watcher.addSource(source);
    return { watcher, source, events, lines, advance: (ms: number) => (now += ms) };
  }
  const refused = 'Cannot reach any endpoint of Blixard cluster "local-dev" (127.0.0.1:7001, 127.0.0.1:7002: connection refused).';

  it('one line when the stream goes down, none per retry, one when it is back with how long and how often it failed', () => {
    const { source, lines, watcher, advance } = rig();
    source.connect({ state: 'connected', endpoint: '127.0.0.1:7001' });
    advance(1000);
    source.connect({ state: 'connecting' }); // the stream broke
    advance(20);
    for (let attempt = 0; attempt < 13; attempt++) {
      source.connect({ state: 'unreachable', reason: refused, retryInMs: 500 + attempt * 100 });
      advance(500);
      source.connect({ state: 'connecting' });
      advance(20);
    }
    assert.deepEqual(lines, [{ line: `local-dev  migration stream down  ${refused}`, level: 'warn' }]);
    assert.equal(watcher.outages.of('dev')?.since, T0 + 1000, 'down since the stream was lost, not since the first refusal');
    assert.equal(watcher.outages.of('dev')?.repeats, 12);
    advance(5000);
    source.connect({ state: 'connected', endpoint: '127.0.0.1:7002' });
    assert.equal(lines.length, 2);
    assert.deepEqual(lines[1], { line: 'local-dev  migration stream back after 11s (failed 12 more times)', level: 'info' });
    assert.equal(watcher.outages.of('dev'), undefined);
  });

  it('says a new reason once (with the failures of the old one), not each time two reasons alternate', () => {
    const { source, lines, advance } = rig();
    source.connect({ state: 'unreachable', reason: 'connection dropped' });
    source.connect({ state: 'connecting' });
    source.connect({ state: 'unreachable', reason: 'connection dropped', retryInMs: 1 });
    source.connect({ state: 'unreachable', reason: refused });
    for (let i = 0; i < 4; i++) {
      source.connect({ state: 'unreachable', reason: 'connection dropped', retryInMs: i });
      source.connect({ state: 'unreachable', reason: refused, retryInMs: i });
    }
    advance(2000);
    source.connect({ state: 'connected' });
    assert.deepEqual(
      lines.map((l) => l.line),
      ['local-dev  migration stream down  connection dropped', `local-dev  migration stream still down (failed 1 more time)  now: ${refused}`, 'local-dev  migration stream back after 2.0s (failed 8 more times)'],
    );
  });

  it('a reconnect that succeeds at once is no outage; a source removed while down is forgotten without a "back"', () => {
    const { source, lines, watcher, events } = rig();
    source.connect({ state: 'connected' });
    source.connect({ state: 'connecting' });
    source.connect({ state: 'connected' });
    assert.deepEqual(lines, []);
    source.connect({ state: 'unreachable', reason: refused });
    watcher.removeSource('dev');
    assert.deepEqual(events.map((e) => e.type), ['down', 'gone']);
    assert.equal(lines.length, 1);
    assert.equal(watcher.outages.all().length, 0);
  });

  it('says a reachable cluster that cannot stream once per limitation, not on every status event', () => {
    const { source, lines } = rig();
    const limitation = 'its daemon at h:1 has no MigrationService, so migrations are not streamed (only the tree is shown)';
    source.connect({ state: 'connected', endpoint: 'h:1', limitation });
    source.connect({ state: 'connecting' });
    source.connect({ state: 'connected', endpoint: 'h:1', limitation });
    assert.deepEqual(lines, [{ line: `local-dev  reachable, but ${limitation}`, level: 'warn' }]);
  });
});
