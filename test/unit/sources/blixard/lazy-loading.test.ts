import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { findBlixardProto, protoCandidates } from '../../../../src/sources/blixard/grpc-runtime';

const repo = path.resolve(__dirname, '../../../..');

describe('Blixard source loading', () => {
  it('does not load gRPC until the first call', function () {
    this.timeout(30_000);
    // A fresh process: this one may have loaded gRPC for other tests already.
    const script = `
      const { BlixardSource } = require('./src/sources/blixard/blixard-source');
      const grpcLoaded = () => Object.keys(require.cache).some((k) => k.includes('@grpc'));
      const before = grpcLoaded();
      const source = new BlixardSource({ id: 'a', name: 'a', endpoints: ['127.0.0.1:1'] }, { callDeadlineMs: 200 });
      const afterConstruct = grpcLoaded();
      source.listNodes().catch(() => {}).finally(() => {
        console.log(JSON.stringify({ before, afterConstruct, afterCall: grpcLoaded() }));
        source.dispose();
      });`;
    const out = execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: repo, encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out.trim().split('\n').pop()!), { before: false, afterConstruct: false, afterCall: true });
  });

  it('finds the proto from the bundle layouts and from the sources', () => {
    assert.deepEqual(protoCandidates('/x/dist'), ['/x/dist/proto/blixard.proto', '/x/proto/blixard.proto', '/proto/blixard.proto']);
    assert.equal(protoCandidates('/x/dist/cli')[1], '/x/dist/proto/blixard.proto');
    assert.equal(protoCandidates('/r/src/sources/blixard')[2], '/r/proto/blixard.proto');
    assert.equal(findBlixardProto(), path.join(repo, 'proto', 'blixard.proto'));
    assert.throws(() => findBlixardProto('/nonexistent/dir'), /protocol file is missing.*reinstall or rebuild/);
  });
});
