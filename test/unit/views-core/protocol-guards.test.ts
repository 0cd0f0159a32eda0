import * as assert from 'node:assert/strict';
import { describeRejectedMessage, hasOnlyKeys, isBoundedId, isBoundedText, isOptional, isRecord, MAX_ID_LENGTH } from '../../../src/protocol/guards';
import { isPersistedDialogState, isSubmitMessage } from '../../../src/protocol/migration-dialog';
import { defaultHistoryQuery, isHistoryWebviewMessage, isPersistedHistoryState } from '../../../src/protocol/history-panel';

describe('protocol guards (both webviews)', () => {
  it('bounds ids at one length for both protocols', () => {
    const longest = 'x'.repeat(MAX_ID_LENGTH);
    const tooLong = `${longest}x`;
    assert.equal(MAX_ID_LENGTH, 1024);
    assert.equal(isBoundedId(longest), true);
    assert.equal(isBoundedId(tooLong), false);
    // The dialog (which allowed 512 before) and the history panel take the same ids.
    assert.equal(isSubmitMessage({ type: 'submit', targetNodeId: longest, live: true, force: false }), true);
    assert.equal(isSubmitMessage({ type: 'submit', targetNodeId: tooLong, live: true, force: false }), false);
    assert.equal(isPersistedDialogState({ v: 1, clusterId: longest, vmId: longest }), true);
    assert.equal(isPersistedDialogState({ v: 1, clusterId: tooLong, vmId: 'vm' }), false);
    assert.equal(isHistoryWebviewMessage({ type: 'detail', id: longest }), true);
    assert.equal(isHistoryWebviewMessage({ type: 'detail', id: tooLong }), false);
    assert.equal(isPersistedHistoryState({ v: 1, query: defaultHistoryQuery(), detailId: tooLong }), false);
  });

  it('refuses ids and filters holding control characters of any class, in both protocols', () => {
    for (const ch of ['\u0000', '\n', '\u001b', '\u007f', '\u0085', '\u009b', '\u2028', '\u2029', '\u202e', '\u2066']) {
      const hex = `U+${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
      assert.equal(isBoundedId(`node${ch}2`), false, hex);
      assert.equal(isBoundedText(`db${ch}`, 200), false, hex);
      assert.equal(isSubmitMessage({ type: 'submit', targetNodeId: `node${ch}2`, live: true, force: false }), false, hex);
      assert.equal(isHistoryWebviewMessage({ type: 'detail', id: `m${ch}1` }), false, hex);
      assert.equal(isHistoryWebviewMessage({ type: 'query', filter: 'all', text: `db${ch}`, offset: 0, pageSize: 100 }), false, hex);
    }
    assert.equal(isBoundedId('kubevirt:prod/default/kubevirt-migrate-vm-x7k2p'), true);
    assert.equal(isBoundedId('名前-ノード'), true);
    assert.equal(isBoundedId(''), false);
    assert.equal(isBoundedId(42), false);
    assert.equal(isBoundedText('', 10), true);
    assert.equal(isBoundedText('x'.repeat(11), 10), false);
  });

  it('takes only plain objects with exactly the keys asked for', () => {
    assert.equal(isRecord({}), true);
    const notPlain: Array<[string, unknown]> = [['null', null], ['array', []], ['string', 'x'], ['number', 1], ['Date', new Date(0)], ['no prototype', Object.create(null)], ['inherited type', Object.create({ type: 'ready' })]];
    for (const [name, v] of notPlain) assert.equal(isRecord(v), false, name);
    assert.equal(hasOnlyKeys({ a: 1, b: 2 }, ['a'], ['b']), true);
    assert.equal(hasOnlyKeys({ a: 1 }, ['a'], ['b']), true);
    assert.equal(hasOnlyKeys({ b: 2 }, ['a'], ['b']), false);
    assert.equal(hasOnlyKeys({ a: 1, c: 3 }, ['a'], ['b']), false);
    assert.equal(hasOnlyKeys({ a: 1, b: 2, c: 3 }, ['a'], ['b']), false);
    assert.equal(isOptional(undefined, isBoundedId), true);
    assert.equal(isOptional('', isBoundedId), false);
  });

  it('describes a refused message by its type and keys, never its values', () => {
    assert.equal(describeRejectedMessage(null), 'null');
    assert.equal(describeRejectedMessage('x'), 'a string');
    assert.equal(describeRejectedMessage({ type: 'submit', token: 'hunter2-secret' }), 'an object with "submit" and keys [type, token]');
  });
});
