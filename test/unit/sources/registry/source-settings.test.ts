import * as assert from 'node:assert/strict';
import { isValidEndpoint, parseSourceSettings } from '../../../../src/sources/source-settings';

const env = { homeDir: '/home/op' };

describe('source settings', () => {
  it('keeps valid Blixard clusters and reports each bad entry without hiding the rest', () => {
    const { settings, problems } = parseSourceSettings(
      {
        clusters: [
          { name: 'prod', endpoints: ['10.0.0.1:7001', '[::1]:7002'], datacenter: 'east', tls: { caFile: '/ca.pem' } },
          { name: 'prod', endpoints: ['10.0.0.9:7001'] },
          { name: '', endpoints: ['a:1'] },
          { name: 'bad-port', endpoints: ['host:99999'] },
          { name: 'no-endpoints', endpoints: [] },
          { name: 'half-mtls', endpoints: ['h:1'], tls: { caFile: '/ca', certFile: '/c' } },
          'nonsense',
        ],
        kubeconfig: [],
        contexts: [],
      },
      env,
    );
    assert.deepEqual(settings.blixardClusters, [{ name: 'prod', endpoints: ['10.0.0.1:7001', '[::1]:7002'], datacenter: 'east', tls: { caFile: '/ca.pem' } }]);
    assert.equal(problems.length, 6);
    assert.match(problems.map((p) => p.message).join('\n'), /listed twice[\s\S]*no name[\s\S]*"host:99999" is not host:port[\s\S]*no endpoints[\s\S]*certFile and keyFile[\s\S]*not an object/);
  });

  it('defaults kubeconfig to $KUBECONFIG, then ~/.kube/config, quietly', () => {
    assert.deepEqual(parseSourceSettings({ clusters: [], kubeconfig: [], contexts: [] }, env).settings.kubeconfigFiles, [{ path: '/home/op/.kube/config', explicit: false }]);
    assert.deepEqual(parseSourceSettings({ clusters: [], kubeconfig: [], contexts: [] }, { ...env, kubeconfigEnv: '/a:/b' }).settings.kubeconfigFiles, [
      { path: '/a', explicit: false },
      { path: '/b', explicit: false },
    ]);
    assert.deepEqual(parseSourceSettings({ clusters: [], kubeconfig: '~/k.yaml', contexts: [] }, env).settings.kubeconfigFiles, [{ path: '/home/op/k.yaml', explicit: true }]);
  });

  it('accepts host:port endpoints only', () => {
    for (const ok of ['localhost:7001', '10.0.0.1:1', '[fe80::1]:65535', 'node-1.example.com:443']) assert.ok(isValidEndpoint(ok), ok);
    for (const bad of ['localhost', ':7001', 'host:0', 'host:65536', 'http://host:1', 'a b:1', '']) assert.ok(!isValidEndpoint(bad), bad);
  });

  it('reads the polling interval when it is a sensible number', () => {
    assert.equal(parseSourceSettings({ clusters: [], kubeconfig: [], contexts: [], refreshIntervalSeconds: 5 }, env).settings.refreshIntervalSeconds, 5);
    assert.equal(parseSourceSettings({ clusters: [], kubeconfig: [], contexts: [], refreshIntervalSeconds: -1 }, env).settings.refreshIntervalSeconds, undefined);
  });
});
