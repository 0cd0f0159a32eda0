import { strict as assert } from 'node:assert';
import { DeadlineError, withDeadline, withDeadlineOr } from '../../../src/base/deadline';

const never = () => new Promise<never>(() => {});
const later = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('base deadline', () => {
  it('settles like the work when it is in time, its value or its own error', async () => {
    assert.equal(await withDeadline(later(5, 'nodes'), 1000, 'late'), 'nodes');
    const own = new Error('refused');
    await assert.rejects(withDeadline(Promise.reject(own), 1000, 'late'), (err) => err === own);
  });

  it('rejects with a DeadlineError saying why once the time is up', async () => {
    await assert.rejects(withDeadline(never(), 10, 'no answer within 0 s'), (err: Error) => err instanceof DeadlineError && err instanceof Error && err.message === 'no answer within 0 s');
  });

  it('rejects with the caller\'s own error when it makes one (a source\'s timeout error)', async () => {
    class TimeoutError extends Error {}
    await assert.rejects(withDeadline(never(), 10, () => new TimeoutError('lab did not answer within 0 s')), (err: Error) => err instanceof TimeoutError && !(err instanceof DeadlineError) && err.message === 'lab did not answer within 0 s');
  });

  it("answers the fallback when the time is up, and passes on the work's own failure", async () => {
    assert.equal(await withDeadlineOr(never(), 10, undefined), undefined);
    assert.equal(await withDeadlineOr(later(5, 'found'), 1000, 'none'), 'found');
    await assert.rejects(withDeadlineOr(Promise.reject(new Error('forbidden')), 1000, undefined), /forbidden/);
  });

  it('keeps nothing alive: a process waiting only on a deadline exits', async () => {
    const { execFileSync } = await import('node:child_process');
    const script = "require('./src/base/deadline').withDeadline(new Promise(() => {}), 60000, 'x').catch(() => {}); process.on('exit', () => process.stdout.write('exited'))";
    const started = Date.now();
    const out = execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 30_000 });
    assert.equal(out, 'exited');
    assert.ok(Date.now() - started < 30_000);
  });
});
