// Tells the process's SecretRegistry every credential a kubeconfig holds or yields, so a server,
// an exec plugin or a library that echoes one in plain words is scrubbed by value wherever the
// words go. Two moments: when the files are read (inline tokens, passwords, key data, auth-provider
// tokens) and when client-node has applied a context to a request (what actually goes on the
// wire: token files' contents, exec plugins' tokens and keys, key files' contents).

import type { KubeConfig } from '@kubernetes/client-node';
import type { RequestOptions } from 'node:https';
import { secretRegistry } from '../../base/secret-registry';

/** auth-provider config fields that hold credentials (OIDC, the old gcp/azure providers). */
const AUTH_PROVIDER_SECRET_FIELDS = ['id-token', 'refresh-token', 'access-token', 'client-secret'];

/** Every user of a loaded kubeconfig, whichever context uses it. */
export function registerKubeconfigSecrets(kubeConfig: KubeConfig): void {
  for (const user of kubeConfig.getUsers()) {
    secretRegistry.add(user.token);
    secretRegistry.addBasicCredentials(user.username, user.password);
    if (user.keyData) {
      secretRegistry.add(user.keyData);
      secretRegistry.addKeyMaterial(Buffer.from(user.keyData, 'base64'));
    }
    const config = user.authProvider?.config as Record<string, unknown> | undefined;
    for (const field of AUTH_PROVIDER_SECRET_FIELDS) {
      const value = config?.[field];
      if (typeof value === 'string') secretRegistry.add(value);
    }
  }
}

/** What client-node put into one request's options: the Authorization header, Basic `auth`, the client key. */
export function registerRequestSecrets(options: RequestOptions): void {
  const headers = (options.headers ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(headers)) {
    if (!/^(proxy-)?authorization$/i.test(name) || typeof value !== 'string') continue;
    secretRegistry.add(value);
    // "Bearer <token>" / "Basic <base64>": the credential alone, which is what servers echo.
    const credential = /^\S+\s+(.+)$/.exec(value)?.[1];
    if (credential) {
      secretRegistry.add(credential);
      if (/^basic$/i.test(value.split(/\s/)[0])) secretRegistry.add(Buffer.from(credential, 'base64').toString('utf8'));
    }
  }
  if (typeof options.auth === 'string') {
    const colon = options.auth.indexOf(':');
    if (colon >= 0) secretRegistry.addBasicCredentials(options.auth.slice(0, colon), options.auth.slice(colon + 1));
  }
  for (const key of [options.key].flat()) {
    if (typeof key === 'string' || key instanceof Uint8Array) secretRegistry.addKeyMaterial(key);
    else if (key && typeof key === 'object' && 'pem' in key) secretRegistry.addKeyMaterial((key as { pem: string | Buffer }).pem);
  }
  if (typeof options.passphrase === 'string') secretRegistry.add(options.passphrase);
}
