// `blixard-migrations watch` in-process, on the WatchSession a window uses: transitions printed
// and recorded, and on stop the one shutdown order (streams stopped, sources closed, history
// written and its lock released); a --db that cannot be opened refused before any cluster is built.

import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { HistoryStore } from '../../../src/history';
import type { WatchArguments } from '../../../src/cli/cli-arguments';
import type { CliIo } from '../../../src/cli/cli-io';
import { runWatch } from '../../../src/cli/watch-command';
import { tempDir, waitFor } from '../history/support/fixtures';
import { kubevirtObservation, KUBEVIRT_PHASES, ScriptedSource } from '../watch/scripted-source';

describe('blixard-migrations watch (in-process)', function () {
  this.timeout(60_000);
  let dir: { dir: string; cleanup: () => void };

  beforeEach(() => (dir = tempDir('cli-watch')));
  afterEach(() => dir.cleanup());

  function io(): CliIo & { out: (line: string) => void; lines: { out: string[]; err: string[] } } {
    const lines = { out: [] as string[], err: [] as string[] };
    return { lines, out: (l) => lines.out.push(l), err: (l) => lines.err.push(l) };
  }

  function args(db: string): WatchArguments {
    return { command: 'watch', db, kubeconfig: [], contexts: [], blixard: [] };
  }

  it('records what it prints, and on stop closes the sources after the watcher let go of them, then releases the history', async () => {
    const db = path.join(dir.dir, 'history.db');
    const source = new ScriptedSource('kv1');
    const order: string[] = [];
    const dispose = source.dispose.bind(source);
    source.dispose = () => {
      order.push(source.subscribed ? 'source closed while streamed' : 'source closed');
      dispose();
    };
    const out = io();
    const stop = new AbortController();
    const exit = runWatch(args(db), out, stop.signal, {
      buildSources: async () => ({ sources: [source], problems: [], dispose: () => order.push('registry closed') }),
    }, {
      onStarted: () => {
        for (const phase of KUBEVIRT_PHASES) source.observe(kubevirtObservation('kv1', 'm1', phase));
      },
    });
    await waitFor('the final transition printed', () => out.lines.out.some((l) => /Succeeded/.test(l)));
    stop.abort();
    assert.equal(await exit, 0, out.lines.err.join('\n'));
    assert.deepEqual(order, ['source closed', 'registry closed']);

    const reopened = await HistoryStore.open({ path: db });
    try {
      assert.equal(reopened.role, 'writer', 'the watch released the writer lock');
      assert.deepEqual(reopened.transitions('kv1/default/m1').map((t) => t.phase), KUBEVIRT_PHASES);
    } finally {
      await reopened.close();
    }
  });

  it('a --db that cannot be opened: one error line, exit 1, no cluster built', async () => {
    writeFileSync(path.join(dir.dir, 'not-a-folder'), 'x');
    const out = io();
    let built = false;
    const code = await runWatch(args(path.join(dir.dir, 'not-a-folder', 'h.db')), out, new AbortController().signal, {
      buildSources: async () => {
        built = true;
        return { sources: [], problems: [] };
      },
    });
    assert.equal(code, 1);
    assert.equal(built, false);
    assert.equal(out.lines.err.length, 1, out.lines.err.join('\n'));
    assert.match(out.lines.err[0], /^error: cannot open the history --db .*h\.db: /);
  });
});
