// The one scrubber: secrets known by value (in every spelling a server may echo them in), secrets
// known only by shape, ordinary words left alone, and a cut-off key that cannot swallow the rest
// of a document.

import { strict as assert } from 'node:assert';
import { generateKeyPairSync } from 'node:crypto';
import { REDACTED, SecretRegistry } from '../../../src/base/secret-registry';

describe('SecretRegistry', () => {
  it('scrubs a registered value in plain words, base64, base64url, URL-encoded and JSON-escaped', () => {
    const registry = new SecretRegistry();
    const token = 'tok3n/with+odd=chars"and\\quotes?';
    registry.add(token);
    const spellings = [
      token,
      Buffer.from(token).toString('base64'),
      Buffer.from(token).toString('base64').replace(/=+$/, ''),
      Buffer.from(token).toString('base64url'),
      encodeURIComponent(token),
      JSON.stringify(token).slice(1, -1),
    ];
    for (const spelling of spellings) {
      const text = `invalid bearer token "${spelling}" from 10.0.0.1`;
      assert.equal(registry.scrub(text), `invalid bearer token "${REDACTED}" from 10.0.0.1`, spelling);
    }
  });

  it('scrubs a token given with a trailing newline (as token files hold them) without it too', () => {
    const registry = new SecretRegistry();
    registry.add('FROM-A-TOKEN-FILE-42\n');
    assert.equal(registry.scrub('token FROM-A-TOKEN-FILE-42 rejected'), `token ${REDACTED} rejected`);
  });

  it('leaves values shorter than 8 characters alone, so ordinary words survive', () => {
    const registry = new SecretRegistry();
    registry.add('admin');
    registry.add('node-1');
    assert.equal(registry.size, 0);
    assert.equal(registry.scrub('admin moved vm-1 to node-1'), 'admin moved vm-1 to node-1');
  });

  it('scrubs Basic credentials: the password, user:password and its base64 (the header value), bare', () => {
    const registry = new SecretRegistry();
    registry.addBasicCredentials('alice', 'correct-horse-battery');
    const header = Buffer.from('alice:correct-horse-battery').toString('base64');
    assert.equal(registry.scrub(`credentials ${header} refused`), `credentials ${REDACTED} refused`);
    assert.equal(registry.scrub('user alice:correct-horse-battery refused'), `user ${REDACTED} refused`);
    assert.equal(registry.scrub('password correct-horse-battery expired'), `password ${REDACTED} expired`);
    assert.equal(registry.scrub('user alice refused'), 'user alice refused', 'the user name is not a secret');
  });

  it('scrubs key material whole, without its armour, unwrapped, line by line and as base64 key data', () => {
    const registry = new SecretRegistry();
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    registry.addKeyMaterial(privateKey);
    const body = privateKey.split('\n').filter((l) => l && !l.startsWith('-----'));
    for (const leak of [body.join(''), body[0], body.join(' ')]) {
      const scrubbed = registry.scrub(`key ${leak} refused`);
      for (const line of body) assert.ok(!scrubbed.includes(line), `${JSON.stringify(leak.slice(0, 12))}… → ${scrubbed}`);
    }
    registry.add(Buffer.from(privateKey).toString('base64'));
    assert.equal(registry.scrub(`client-key-data ${Buffer.from(privateKey).toString('base64')}`), `client-key-data ${REDACTED}`);
  });

  it('replaces a value containing another whole', () => {
    const registry = new SecretRegistry();
    registry.add('SHORTER-SECRET');
    registry.add('SHORTER-SECRET-AND-MORE');
    assert.equal(registry.scrub('x SHORTER-SECRET-AND-MORE y SHORTER-SECRET z'), `x ${REDACTED} y ${REDACTED} z`);
  });

  it('forgets the oldest values past its size, keeping the ones seen again', () => {
    // Each of these has two spellings (itself and its base64; the others coincide).
    const registry = new SecretRegistry(4);
    registry.add('FIRST-SECRET-VALUE');
    registry.add('SECOND-SECRET-VALUE-X');
    registry.add('FIRST-SECRET-VALUE');
    registry.add('THIRD-SECRET-VALUE');
    assert.equal(registry.size, 4);
    assert.equal(registry.scrub('FIRST-SECRET-VALUE THIRD-SECRET-VALUE'), `${REDACTED} ${REDACTED}`);
    assert.equal(registry.scrub('SECOND-SECRET-VALUE-X'), 'SECOND-SECRET-VALUE-X');
  });

  it('also scrubs secrets it was never told about, by shape', () => {
    const registry = new SecretRegistry();
    for (const [text, secret] of [
      ['Authorization: Bearer abc.def-ghi', 'abc.def-ghi'],
      ['{"token":"s3cr3t-value"}', 's3cr3t-value'],
      ['https://bob:hunter2@example.com/api', 'hunter2'],
      ['got eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl back', 'eyJzdWIiOiIxMjMifQ'],
    ]) {
      assert.ok(!registry.scrub(text).includes(secret), text);
    }
  });

  it('stops a cut-off PEM block where other text starts, so a JSON document stays whole', () => {
    const registry = new SecretRegistry();
    const cut = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg';
    const doc = JSON.stringify([{ failureReason: `bad key ${cut}`, vm: 'vm-1' }, { vm: 'vm-2' }], null, 2);
    const scrubbed = registry.scrub(doc);
    assert.deepEqual(JSON.parse(scrubbed), [{ failureReason: `bad key ${REDACTED}`, vm: 'vm-1' }, { vm: 'vm-2' }]);
  });
});
