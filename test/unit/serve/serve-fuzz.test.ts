// 2,800 random requests at `serve` (paths built from the API's own pieces and from
// junk, percent-encodings, control characters, long names, repeated and unknown query keys,
// random methods, headers and bodies; some written raw to the socket, malformed on purpose):
// the server never crashes, never answers 5xx (the history is open), every error is
// `{error, message}` JSON, and its memory is as flat at the end as after the warm-up. The
// 10,000-request version runs in the bench (bench/serve.ts).

import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serveReadOnly, writeHistory, type ServedHistory } from './support/served-history';
import { fuzzServer } from './support/fuzz-requests';

describe('blixard-migrations serve: fuzz', function () {
  this.timeout(60_000);
  let dir: string;
  let served: ServedHistory;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'blixard-serve-fuzz-'));
    const db = path.join(dir, 'history.db');
    await writeHistory(db, 60);
    served = await serveReadOnly(db, { rateLimit: 0, tokenFile: undefined });
  });
  after(async () => {
    await served?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('2,500 random requests: no crash, no 5xx, JSON errors, memory flat', async () => {
    const started = Date.now();
    const warm = await fuzzServer(served.server.url, 300, 1);
    const before = warm.heapAfterGc;
    const run = await fuzzServer(served.server.url, 2500, 2);
    assert.deepEqual(run.serverErrors, [], 'no 5xx');
    assert.deepEqual(run.badBodies.slice(0, 5), [], 'every error is {error, message} JSON');
    // Status 0: the client's own error (a keep-alive socket the server had closed after a refused request, reused): counted, not a server failure.
    assert.ok(run.statuses.get(200)! > 40 && run.statuses.get(400)! > 100 && run.statuses.get(404)! > 50 && run.statuses.get(405)! > 50, JSON.stringify([...run.statuses]));
    const health = await fetch(`${served.server.url}/healthz`);
    assert.equal(health.status, 200, 'still serving');
    const grown = run.heapAfterGc - before;
    assert.ok(grown < 8 * 1024 * 1024, `heap grew ${(grown / 1024 / 1024).toFixed(1)} MB`);
    assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
  });
});
