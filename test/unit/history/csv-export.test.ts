// The CSV export's fast path (rows straight from sql.js, history-export.ts csvChunks) against the
// general one (each migration as a HistoryEntry through csvRow): byte for byte the same on the
// values that make CSV hard — quotes, commas, line breaks, formula starts, non-ASCII text, empty
// and missing fields, tied phase times, phases holding the separators the fast path cuts on, and
// lines longer than a chunk.

import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HistoryStore } from '../../../src/history/history-store';
import { CSV_COLUMNS, csvRow } from '../../../src/history/history-export';
import { csvLine } from '../../../src/history/csv';
import type { ExportQuery } from '../../../src/history/history-export';
import type { PhaseTransition } from '../../../src/model/migration';
import { finished, migration, tempDir } from './support/fixtures';

/** The export as the general path writes it: every migration read as an entry, newest first. */
function expectedCsv(store: HistoryStore, query: ExportQuery = {}): string {
  const entries = store.all({ ...query, limit: 1_000_000 }).map((m) => store.byId(m.id)!);
  return csvLine([...CSV_COLUMNS]) + entries.map((e) => csvLine(csvRow(e))).join('');
}

const at = (id: string, list: Array<[string, number]>): PhaseTransition[] => list.map(([phase, t]) => ({ migrationId: id, phase, at: t }));

describe('CSV export: the fast path writes what the general one does', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: HistoryStore;
  beforeEach(async () => {
    tmp = tempDir('csv-export');
    store = await HistoryStore.open({ path: path.join(tmp.dir, 'history.db') });
  });
  afterEach(async () => {
    await store.close();
    tmp.cleanup();
  });

  it('quotes, line breaks, formulas, unicode, missing fields, ties and separators', async () => {
    const t0 = 1_700_000_000_000;
    const odd: Array<[string, Partial<Parameters<typeof migration>[1]>]> = [
      ['q/ns/quote', { vm: 'vm "quoted"', name: 'a,b', failureReason: 'line\nbreak' }],
      ['q/ns/cr', { vm: 'cr\rvm', targetNode: 'tab\tnode', sourceNode: 'x\r\ny' }],
      ['q/ns/formula', { vm: '=SUM(A1)', name: '+1', sourceNode: '-node', targetNode: '@home', failureReason: '\tTAB', namespace: '\rns' }],
      ['q/ns/unicode', { vm: 'vm-é-中文-🚀', name: 'naïve', cluster: 'clüster', datacenter: 'dc-ß', failureReason: 'échec: mémoire' }],
      ['q/ns/missing', { datacenter: undefined, namespace: undefined, sourceNode: undefined, targetNode: undefined }],
      ['q/ns/empty', { vm: '', name: '', sourceNode: '', failureReason: '' }],
      ['q/ns/separators', { vm: 'a\u001fb', name: 'c\u001ed', failureReason: '\u001f' }],
      ['q/ns/modes', { mode: 'PostCopy', origin: 'evacuation', downtimeMs: 42 }],
      ['q/ns/plan', { planId: 'evacuate-0123456789abcdef01234567' }],
      ['q/ns/cold', { mode: 'cold' as never, kind: 'blixard', phase: 'Moving' }],
      ['q/ns/strange', { mode: 'Whatever' as never, phase: 'Odd "phase"', state: 'pending' }],
    ];
    odd.forEach(([id, o], i) => store.record(finished(id, i % 2 ? 'failed' : 'succeeded', t0 + i * 1000, 1500 + i, o), at(id, [['Pending', t0 + i * 1000], ['Running', t0 + i * 1000 + 700]])));
    // Tied times: the kind's lifecycle orders them (KubeVirt's whole seconds), unknown phases keep name order.
    store.record(finished('q/ns/ties', 'succeeded', t0 + 20_000, 3000), at('q/ns/ties', [['Succeeded', t0 + 21_000], ['Scheduled', t0 + 20_000], ['Pending', t0 + 20_000], ['Running', t0 + 20_000], ['Zeta', t0 + 21_000], ['Alpha', t0 + 21_000]]));
    store.record(finished('q/ns/bties', 'succeeded', t0 + 21_000, 3000, { kind: 'blixard' }), at('q/ns/bties', [['Completed', t0 + 21_000], ['Pending', t0 + 21_000], ['Transferring', t0 + 21_000]]));
    // Phases holding the timeline's separators, a quote, a comma, a formula start, non-ASCII.
    store.record(finished('q/ns/phases', 'failed', t0 + 22_000, 3000), at('q/ns/phases', [['A\u001f7\u001eB', t0 + 22_000], ['C\u001e', t0 + 22_500], ['=D,"e"', t0 + 23_000], ['Fä', t0 + 24_000]]));
    store.record(finished('q/ns/first', 'failed', t0 + 23_000, 3000), at('q/ns/first', [['-Pending', t0 + 23_000], ['Failed', t0 + 23_001]]));
    // Times the fast date formatting does not take: before 1970, fractional, past year 9999.
    store.record(migration('q/ns/times', { createdAt: -86_400_123, startedAt: 1.5, endedAt: 253_402_300_800_000, durationMs: 0.25, state: 'failed', phase: 'Failed' }), at('q/ns/times', [['Pending', -5], ['Failed', 1e15]]));
    store.record(migration('q/ns/none', { createdAt: t0 + 30_000, state: 'running' }), []);
    await store.flush();

    const csv = store.exportCsv();
    assert.equal(csv, expectedCsv(store));
    assert.ok(csv.includes('vm-é-中文-🚀'), 'non-ASCII text as it was');
    assert.ok(csv.includes(',Pending@2023-11-14T22:13:40.000Z; Scheduled@2023-11-14T22:13:40.000Z; Running@2023-11-14T22:13:40.000Z; '), 'ties by lifecycle');
    assert.equal(store.exportCsv({ text: 'vm' }), expectedCsv(store, { text: 'vm' }));
    assert.equal(store.exportCsv({ filter: 'completed' }), expectedCsv(store, { filter: 'completed' }));
    const file = path.join(tmp.dir, 'export.csv');
    const bytes = await store.exportToFile(file, 'csv');
    assert.equal(readFileSync(file, 'utf8'), csv);
    assert.equal(bytes, Buffer.byteLength(csv));
  });

  it('many pages, and lines longer than a chunk', async () => {
    const t0 = 1_800_000_000_000;
    for (let i = 0; i < 1100; i++) {
      const id = `big/ns/m${i}`;
      const long = i === 600 ? 'x'.repeat(800_000) : i === 601 ? 'ü'.repeat(300_000) : i % 7 === 0 ? `reason, ${i}` : undefined;
      store.record(finished(id, 'succeeded', t0 + i * 10, 5000, { failureReason: long, vm: i % 11 === 0 ? `vm-ñ-${i}` : `vm-${i}` }), at(id, [['Pending', t0 + i * 10], ['Succeeded', t0 + i * 10 + 5000]]));
    }
    await store.flush();
    const chunks = [...store.exportChunks('csv')];
    assert.ok(chunks.length >= 3, `${chunks.length} chunks`);
    assert.equal(chunks.join(''), expectedCsv(store));
  });
});
