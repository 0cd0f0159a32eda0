import { strict as assert } from 'node:assert';
import { combinedDisposable, Disposable, DisposableStore, MutableDisposable, toDisposable, type IDisposable } from '../../../src/base/lifecycle';

/** A disposable that writes its name to `log` each time it is disposed. */
function recorded(log: string[], name: string): IDisposable {
  return { dispose: () => log.push(name) };
}

function throwing(message: string): IDisposable {
  return {
    dispose: () => {
      throw new Error(message);
    },
  };
}

class Owner extends Disposable {
  seenDisposedByItems: boolean[] = [];

  take<T extends IDisposable>(t: T): T {
    return this._register(t);
  }

  get disposed(): boolean {
    return this.isDisposed;
  }

  watchFromInside(): void {
    this._register(toDisposable(() => this.seenDisposedByItems.push(this.isDisposed)));
  }
}

describe('lifecycle', () => {
  describe('toDisposable', () => {
    it('runs its function once, however often it is disposed', () => {
      let runs = 0;
      const d = toDisposable(() => runs++);
      d.dispose();
      d.dispose();
      assert.equal(runs, 1);
    });
  });

  describe('DisposableStore', () => {
    it('returns what it adds and disposes everything in reverse order of adding', () => {
      const log: string[] = [];
      const store = new DisposableStore();
      const a = recorded(log, 'a');
      assert.equal(store.add(a), a);
      store.add(recorded(log, 'b'));
      store.add(recorded(log, 'c'));
      store.dispose();
      assert.deepEqual(log, ['c', 'b', 'a']);
      assert.equal(store.isDisposed, true);
    });

    it('disposes at once what is added after it was disposed', () => {
      const log: string[] = [];
      const store = new DisposableStore();
      store.dispose();
      store.add(recorded(log, 'late'));
      assert.deepEqual(log, ['late']);
    });

    it('does nothing when disposed again', () => {
      const log: string[] = [];
      const store = new DisposableStore();
      store.add(recorded(log, 'a'));
      store.dispose();
      store.dispose();
      assert.deepEqual(log, ['a']);
    });

    it('keeps disposing the rest when one item throws, then rethrows that error', () => {
      const log: string[] = [];
      const store = new DisposableStore();
      store.add(recorded(log, 'a'));
      store.add(throwing('boom'));
      store.add(recorded(log, 'c'));
      assert.throws(() => store.dispose(), /boom/);
      assert.deepEqual(log, ['c', 'a']);
    });

    it('rethrows several errors together as an AggregateError', () => {
      const log: string[] = [];
      const store = new DisposableStore();
      store.add(throwing('one'));
      store.add(recorded(log, 'b'));
      store.add(throwing('two'));
      assert.throws(
        () => store.dispose(),
        (err: unknown) => err instanceof AggregateError && err.errors.map((e: Error) => e.message).join(',') === 'two,one',
      );
      assert.deepEqual(log, ['b']);
    });

    it('clear() releases what it holds and keeps taking new items', () => {
      const log: string[] = [];
      const store = new DisposableStore();
      store.add(recorded(log, 'first'));
      store.clear();
      assert.deepEqual(log, ['first']);
      store.add(recorded(log, 'second'));
      assert.deepEqual(log, ['first'], 'added after clear(): kept, not disposed');
      assert.equal(store.isDisposed, false);
      store.dispose();
      assert.deepEqual(log, ['first', 'second']);
    });

    it('refuses to hold itself', () => {
      const store = new DisposableStore();
      assert.throws(() => store.add(store));
    });
  });

  describe('Disposable', () => {
    it('disposes what it registered when disposed, and is disposed from the start of that call', () => {
      const log: string[] = [];
      const owner = new Owner();
      owner.take(recorded(log, 'a'));
      owner.watchFromInside();
      assert.equal(owner.disposed, false);
      owner.dispose();
      assert.deepEqual(log, ['a']);
      assert.deepEqual(owner.seenDisposedByItems, [true]);
      assert.equal(owner.disposed, true);
    });

    it('disposes at once what is registered after it was disposed', () => {
      const log: string[] = [];
      const owner = new Owner();
      owner.dispose();
      const late = recorded(log, 'late');
      assert.equal(owner.take(late), late);
      assert.deepEqual(log, ['late']);
    });

    it('does nothing when disposed again', () => {
      const log: string[] = [];
      const owner = new Owner();
      owner.take(recorded(log, 'a'));
      owner.dispose();
      owner.dispose();
      assert.deepEqual(log, ['a']);
    });

    it('refuses to register itself', () => {
      const owner = new Owner();
      assert.throws(() => owner.take(owner));
    });
  });

  describe('MutableDisposable', () => {
    it('disposes the previous value when a new one is set, and the current one when disposed', () => {
      const log: string[] = [];
      const holder = new MutableDisposable<IDisposable>();
      const a = recorded(log, 'a');
      holder.value = a;
      assert.equal(holder.value, a);
      holder.value = recorded(log, 'b');
      assert.deepEqual(log, ['a']);
      holder.dispose();
      assert.deepEqual(log, ['a', 'b']);
      assert.equal(holder.value, undefined);
    });

    it('setting the same value again keeps it', () => {
      const log: string[] = [];
      const holder = new MutableDisposable<IDisposable>();
      const a = recorded(log, 'a');
      holder.value = a;
      holder.value = a;
      assert.deepEqual(log, []);
    });

    it('clear() disposes the value and holds none, and the holder stays usable', () => {
      const log: string[] = [];
      const holder = new MutableDisposable<IDisposable>();
      holder.value = recorded(log, 'a');
      holder.clear();
      assert.deepEqual(log, ['a']);
      assert.equal(holder.value, undefined);
      holder.value = recorded(log, 'b');
      assert.deepEqual(log, ['a']);
    });

    it('disposes at once a value set after it was disposed', () => {
      const log: string[] = [];
      const holder = new MutableDisposable<IDisposable>();
      holder.dispose();
      holder.value = recorded(log, 'late');
      assert.deepEqual(log, ['late']);
      assert.equal(holder.value, undefined);
    });
  });

  describe('combinedDisposable', () => {
    it('disposes each of its parts once', () => {
      const log: string[] = [];
      const both = combinedDisposable(recorded(log, 'a'), recorded(log, 'b'));
      both.dispose();
      both.dispose();
      assert.deepEqual(log, ['b', 'a']);
    });
  });
});
