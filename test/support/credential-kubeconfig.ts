// A kubeconfig full of credentials for the secret-scrubbing tests — a bearer token, Basic
// user/password, an exec plugin (a small node script answering an ExecCredential with a token), a
// token file and a client certificate + key — each context pointed at a CredentialEchoServer
// cluster, and every spelling of every secret that must never appear in any output or file.

import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tlsMaterial } from './kube-api-server/tls-material';

/** The secrets, so that a test can say which one leaked (never printed whole in an assertion message). */
export const SECRETS = {
  /** '/', '+' and '=' make its URL-encoded spelling differ from the plain one. */
  token: 'SUPERSECRET-TOKEN-abc123XYZ/+=',
  username: 'alice',
  password: 'PASSWORD-hunter2-xyz',
  execToken: 'EXEC-PLUGIN-TOKEN-9f8e7d6c5b4a',
  tokenFile: 'TOKEN-FILE-CONTENTS-31415926',
};

export interface CredentialKubeconfig {
  file: string;
  /** Context names, by the credential they use and how their cluster answers. */
  contexts: string[];
  /** Every spelling that must not appear anywhere: [what it is, the spelling]. */
  forbidden: Array<[string, string]>;
  /** Text the echo server should leak for the key context (key material it cannot see otherwise). */
  keyLeaks: string[];
}

/** Contexts `<user>@<behaviour>` on clusters `/<user>-<behaviour>` of the echo server at `serverUrl`. */
export async function writeCredentialKubeconfig(dir: string, serverUrl: string, clusters: ReadonlyArray<{ user: CredentialUser; behaviour: string }>): Promise<CredentialKubeconfig> {
  const { certPem, keyPem } = await tlsMaterial();
  const execScript = path.join(dir, 'exec-plugin.js');
  writeFileSync(
    execScript,
    `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: ${JSON.stringify(SECRETS.execToken)} } }));\n`,
  );
  chmodSync(execScript, 0o700);
  const tokenFile = path.join(dir, 'token');
  writeFileSync(tokenFile, SECRETS.tokenFile, { mode: 0o600 });
  const keyData = Buffer.from(keyPem).toString('base64');

  const users: Record<CredentialUser, Record<string, unknown>> = {
    token: { token: SECRETS.token },
    basic: { username: SECRETS.username, password: SECRETS.password },
    exec: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: process.execPath, args: [execScript] } },
    'token-file': { 'token-file': tokenFile },
    key: { 'client-certificate-data': Buffer.from(certPem).toString('base64'), 'client-key-data': keyData },
  };
  const contexts = clusters.map((c) => ({ name: `${c.user}@${c.behaviour}`, cluster: `${c.user}-${c.behaviour}`, user: c.user }));
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: contexts.map((c) => ({ name: c.cluster, cluster: { server: `${serverUrl}/${c.cluster}` } })),
    users: Object.entries(users).map(([name, user]) => ({ name, user })),
    contexts: contexts.map((c) => ({ name: c.name, context: { cluster: c.cluster, user: c.user } })),
    'current-context': contexts[0].name,
  };
  const file = path.join(dir, 'kubeconfig.yaml');
  writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });

  const keyBody = keyPem
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('-----'))
    .map((l) => l.trim());
  const basic = `${SECRETS.username}:${SECRETS.password}`;
  const forbidden: Array<[string, string]> = [
    ['the bearer token', SECRETS.token],
    ['the bearer token, URL-encoded', encodeURIComponent(SECRETS.token)],
    ['the bearer token, base64', Buffer.from(SECRETS.token).toString('base64')],
    ['the Basic password', SECRETS.password],
    ['the Basic credential', basic],
    ['the Basic credential, base64', Buffer.from(basic).toString('base64')],
    ['the exec plugin token', SECRETS.execToken],
    ['the exec plugin token, base64', Buffer.from(SECRETS.execToken).toString('base64')],
    ['the token file contents', SECRETS.tokenFile],
    ['the client key data (base64 PEM)', keyData],
    ['the client key body, unwrapped', keyBody.join('')],
    ...keyBody.map((line, i): [string, string] => [`line ${i + 1} of the client key body`, line]),
  ];
  return { file, contexts: contexts.map((c) => c.name), forbidden, keyLeaks: [keyData, keyBody.join(''), keyBody[0]] };
}

export type CredentialUser = 'token' | 'basic' | 'exec' | 'token-file' | 'key';

/** The names of the secrets found in `text` (empty when it is clean). */
export function leakedSecrets(text: string, forbidden: ReadonlyArray<[string, string]>): string[] {
  return forbidden.filter(([, spelling]) => text.includes(spelling)).map(([what]) => what);
}
