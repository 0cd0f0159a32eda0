import * as assert from 'node:assert/strict';
import { defaultHistoryQuery, isHistoryStateMessage, isHistoryWebviewMessage, isPersistedHistoryState } from '../../../src/protocol/history-panel';

describe('history panel protocol', () => {
  it('accepts exactly the messages the webview may send', () => {
    const good = [
      { type: 'ready' },
      { type: 'refresh' },
      { type: 'query', filter: 'active', text: '', offset: 0, pageSize: 100 },
      { type: 'query', filter: 'completed', text: 'node-2', offset: 200, pageSize: 500 },
      { type: 'detail', id: 'kubevirt:prod/default/m1' },
      { type: 'detail', id: null },
      { type: 'export', format: 'csv' },
      { type: 'export', format: 'json' },
    ];
    for (const m of good) assert.equal(isHistoryWebviewMessage(m), true, JSON.stringify(m));
  });

  it('refuses unknown types, extra keys, out-of-range pages and anything that is not a plain object', () => {
    const bad: unknown[] = [
      null,
      'ready',
      [],
      { type: 'runCommand', command: 'workbench.action.reloadWindow' },
      { type: 'ready', extra: 1 },
      { type: 'query', filter: 'everything', text: '', offset: 0, pageSize: 100 },
      { type: 'query', filter: 'all', text: '', offset: -1, pageSize: 100 },
      { type: 'query', filter: 'all', text: '', offset: 0.5, pageSize: 100 },
      { type: 'query', filter: 'all', text: '', offset: 0, pageSize: 100_000 },
      { type: 'query', filter: 'all', text: 'x'.repeat(201), offset: 0, pageSize: 100 },
      { type: 'query', filter: 'all', text: 'a\u0000b', offset: 0, pageSize: 100 },
      { type: 'query', filter: 'all', offset: 0, pageSize: 100 },
      { type: 'detail', id: '' },
      { type: 'detail', id: 42 },
      { type: 'detail' },
      { type: 'export', format: 'xlsx' },
      { type: 'export', format: 'csv', path: '/etc/passwd' },
      Object.create({ type: 'ready' }),
      { type: 'hasOwnProperty' },
      { type: '__proto__' },
    ];
    for (const m of bad) assert.equal(isHistoryWebviewMessage(m), false, JSON.stringify(m));
  });

  it('survives random input without throwing', () => {
    const pieces: unknown[] = [null, undefined, 0, -1, 1e308, NaN, '', 'ready', 'query', 'all', 'csv', {}, [], true];
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 3000; i++) {
      const m: Record<string, unknown> = {};
      for (const key of ['type', 'filter', 'text', 'offset', 'pageSize', 'id', 'format', 'x'].filter(() => rand(2) === 0)) m[key] = pieces[rand(pieces.length)];
      assert.doesNotThrow(() => isHistoryWebviewMessage(m));
    }
  });

  it('keeps only a well-formed persisted state', () => {
    assert.equal(isPersistedHistoryState({ v: 1, query: defaultHistoryQuery() }), true);
    assert.equal(isPersistedHistoryState({ v: 1, query: defaultHistoryQuery(), detailId: 'm1' }), true);
    assert.equal(isPersistedHistoryState({ v: 2, query: defaultHistoryQuery() }), false);
    assert.equal(isPersistedHistoryState({ v: 1, query: { ...defaultHistoryQuery(), pageSize: 0 } }), false);
    assert.equal(isPersistedHistoryState({ v: 1, query: defaultHistoryQuery(), detailId: '' }), false);
  });

  it('lets the webview check the host state before rendering it', () => {
    const state = { status: 'ready', query: defaultHistoryQuery(), rows: [{ id: 'm', clusterId: 'c', cluster: 'c', kind: 'blixard', vm: 'vm-1', name: 'm', mode: 'live', origin: 'user', phase: 'Completed', state: 'succeeded', createdAt: 1 }], total: 1, summary: [] };
    assert.equal(isHistoryStateMessage({ type: 'state', state, hostNow: 5 }), true);
    assert.equal(isHistoryStateMessage({ type: 'state', state: { ...state, rows: [{ id: 'm' }] }, hostNow: 5 }), false);
    assert.equal(isHistoryStateMessage({ type: 'state', state, hostNow: 'now' }), false);
  });
});
