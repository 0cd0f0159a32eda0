import { strict as assert } from 'node:assert';
import { LOG_ONCE_LIMIT, LogOnce } from '../../../src/base/log-once';

function recorder() {
  const lines: string[] = [];
  return { lines, info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`), error: (m: string) => lines.push(`error ${m}`) };
}

describe('LogOnce', () => {
  it('says each key once', () => {
    const once = new LogOnce();
    const log = recorder();
    once.log(log, 'warn', 'a', 'first');
    once.log(log, 'warn', 'a', 'again');
    once.log(log, 'error', 'b', 'other');
    assert.deepEqual(log.lines, ['warn first', 'error other']);
  });

  it('stays bounded: the oldest key is forgotten first and may be said once more', () => {
    const once = new LogOnce(3);
    for (const key of ['a', 'b', 'c', 'd']) assert.equal(once.first(key), true);
    assert.equal(once.first('d'), false);
    assert.equal(once.first('b'), false);
    assert.equal(once.first('a'), true, 'a was pushed out by d');
  });

  it('remembers a session of distinct problems by default, not an endless stream', () => {
    const once = new LogOnce();
    for (let i = 0; i < LOG_ONCE_LIMIT; i++) once.first(`k${i}`);
    assert.equal(once.first('k0'), false);
    for (let i = 0; i < 100_000; i++) once.first(`flood${i}`);
    assert.equal(once.first('k0'), true);
  });

  it('wraps a logger so each distinct message is said once per level', () => {
    const once = new LogOnce();
    const log = recorder();
    const quiet = once.wrap(log, ['info', 'warn']);
    quiet.warn('x');
    quiet.warn('x');
    quiet.info('x');
    assert.deepEqual(log.lines, ['warn x', 'info x']);
  });
});
