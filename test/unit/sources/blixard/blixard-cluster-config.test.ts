import { strict as assert } from 'node:assert';
import { connectionWarnings, findConfigProblem, isLoopbackHost, parseEndpoint } from '../../../../src/sources/blixard/blixard-cluster-config';

describe('Blixard cluster config', () => {
  it('parses host:port endpoints, IPv6 in brackets, and rejects the rest', () => {
    assert.deepEqual(parseEndpoint('127.0.0.1:7001'), { address: '127.0.0.1:7001', host: '127.0.0.1', port: 7001, loopback: true });
    assert.deepEqual(parseEndpoint('[::1]:7001'), { address: '[::1]:7001', host: '::1', port: 7001, loopback: true });
    assert.equal(parseEndpoint('node-1.example.com:443')?.loopback, false);
    for (const bad of ['', 'host', 'host:', ':7001', 'host:0', 'host:70000', 'http://host:1', 'a b:1', '::1:7001']) {
      assert.equal(parseEndpoint(bad), undefined, bad);
    }
  });

  it('knows loopback hosts', () => {
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '::1', 'dev.localhost']) assert.ok(isLoopbackHost(host), host);
    for (const host of ['10.0.0.1', '128.0.0.1', 'example.com', '::2', 'localhost.example.com']) assert.ok(!isLoopbackHost(host), host);
  });

  it('names the first problem of a configuration in words', () => {
    assert.equal(findConfigProblem({ id: 'a', name: 'lab', endpoints: ['127.0.0.1:1'] }), undefined);
    assert.match(findConfigProblem({ id: 'a', name: 'lab', endpoints: [] }) ?? '', /lab" has no endpoints/);
    assert.match(findConfigProblem({ id: 'a', name: 'lab', endpoints: ['127.0.0.1:1', 'nope'] }) ?? '', /endpoint "nope" is not "host:port"/);
    assert.match(findConfigProblem({ id: 'a', endpoints: ['x:1'], tls: { caFile: '' } }) ?? '', /tls.caFile is required/);
    assert.match(findConfigProblem({ id: 'a', endpoints: ['x:1'], tls: { caFile: 'ca.pem', certFile: 'c.pem' } }) ?? '', /certFile and tls.keyFile go together/);
    assert.match(findConfigProblem({ id: 'a', label: 'from-label', endpoints: 'x:1' as unknown as string[] }) ?? '', /from-label/);
  });

  it('warns about plain text only for endpoints that leave the machine', () => {
    assert.deepEqual(connectionWarnings({ id: 'a', endpoints: ['127.0.0.1:1', 'localhost:2'] }), []);
    assert.deepEqual(connectionWarnings({ id: 'a', endpoints: ['10.0.0.5:7001'], tls: { caFile: 'ca.pem' } }), []);
    const [warning] = connectionWarnings({ id: 'a', endpoints: ['127.0.0.1:1', '10.0.0.5:7001'] });
    assert.match(warning, /^Unencrypted connection to 10\.0\.0\.5:7001: this endpoint is not on this machine.*Set "tls"/);
  });
});
