// A hostile Kubernetes API server for the secret-scrubbing tests: it echoes the credential each
// request carries back in plain words — the bearer token as is and URL-encoded, a Basic
// credential as bare base64, as `user:password` and as the password alone — plus any text the
// test tells it to leak for a path (key material a server cannot see, but a leaky proxy or library
// could print). Loopback only, plain HTTP, a tiny `node:http` server.
//
// Each cluster is a path prefix (`http://127.0.0.1:PORT/<prefix>`), so contexts of one test are
// separate clusters, each with its own behaviour:
//   'refuse'  every request is answered with `status` (500 or 401) and a Status echoing the credential;
//   'serve'   nodes, VMIs and VMIMs are listed (one node, one VMI, one Failed VMIM whose
//             failureReason echoes the credential), and watches are held open with bookmarks.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type EchoBehaviour = { kind: 'refuse'; status: 401 | 500 } | { kind: 'serve' };

export interface CredentialEchoServer {
  /** `http://127.0.0.1:PORT`: a cluster's server is this plus `/<prefix>`. */
  readonly url: string;
  /** Requests answered per prefix. */
  readonly requests: Map<string, number>;
  stop(): Promise<void>;
}

export interface CredentialEchoOptions {
  /** Behaviour per path prefix; an unknown prefix gets 404. */
  clusters: Record<string, EchoBehaviour>;
  /** Extra text a prefix's answers carry, as if something in between printed it. */
  leaks?: Record<string, string[]>;
}

/** Everything the server can say about the credential it was sent. */
export function echoOfCredential(authorization: string | undefined): string {
  if (!authorization) return 'no credentials were sent';
  const [scheme, value = ''] = authorization.split(/\s+/, 2);
  if (/^bearer$/i.test(scheme)) return `invalid bearer token "${value}" (as sent: ${encodeURIComponent(value)})`;
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return `bad credentials ${value}, that is ${decoded}, password ${decoded.slice(decoded.indexOf(':') + 1)}`;
  }
  return `unknown scheme ${scheme}`;
}

export async function startCredentialEchoServer(options: CredentialEchoOptions): Promise<CredentialEchoServer> {
  const requests = new Map<string, number>();
  const watches = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, prefix = '', ...rest] = url.pathname.split('/');
    const behaviour = options.clusters[prefix];
    requests.set(prefix, (requests.get(prefix) ?? 0) + 1);
    const echo = [echoOfCredential(req.headers.authorization), ...(options.leaks?.[prefix] ?? [])].join('; ');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!behaviour) return send(404, statusObject(404, 'NotFound', `no cluster ${prefix}`));
    if (behaviour.kind === 'refuse') {
      return send(behaviour.status, statusObject(behaviour.status, behaviour.status === 401 ? 'Unauthorized' : 'InternalError', `Unauthorized: ${echo}`));
    }
    const resource = `/${rest.join('/')}`;
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json' });
      watches.add(res);
      const bookmark = () => res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '10' } } })}\n`);
      bookmark();
      const timer = setInterval(bookmark, 500);
      res.on('close', () => {
        clearInterval(timer);
        watches.delete(res);
      });
      return;
    }
    const items = listOf(resource, echo);
    if (!items) return send(404, statusObject(404, 'NotFound', `${resource} is not served here`));
    send(200, { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '10' }, items });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async stop() {
      for (const res of watches) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function statusObject(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

const CREATED = '2026-01-01T10:00:00Z';
const ENDED = '2026-01-01T10:00:05Z';

function listOf(resource: string, echo: string): unknown[] | undefined {
  switch (resource) {
    case '/api/v1/nodes':
      return ['node-1', 'node-2'].map((name) => ({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name, uid: `uid-${name}`, resourceVersion: '3', labels: { 'kubernetes.io/hostname': name } },
        spec: {},
        status: { conditions: [{ type: 'Ready', status: 'True' }], allocatable: { cpu: '8', memory: '16Gi' } },
      }));
    case '/apis/kubevirt.io/v1/virtualmachineinstances':
      return [
        {
          apiVersion: 'kubevirt.io/v1',
          kind: 'VirtualMachineInstance',
          metadata: { name: 'vm-1', namespace: 'default', uid: 'uid-vm-1', resourceVersion: '4', creationTimestamp: CREATED },
          spec: { domain: { cpu: { cores: 1 }, resources: { requests: { memory: '1Gi' } } } },
          status: { phase: 'Running', nodeName: 'node-1' },
        },
      ];
    case '/apis/kubevirt.io/v1/virtualmachineinstancemigrations':
      return [
        {
          apiVersion: 'kubevirt.io/v1',
          kind: 'VirtualMachineInstanceMigration',
          metadata: { name: 'echoed-migration', namespace: 'default', uid: 'uid-echoed-migration', resourceVersion: '5', creationTimestamp: CREATED },
          spec: { vmiName: 'vm-1' },
          status: {
            phase: 'Failed',
            phaseTransitionTimestamps: [
              { phase: 'Pending', phaseTransitionTimestamp: CREATED },
              { phase: 'Failed', phaseTransitionTimestamp: ENDED },
            ],
            migrationState: { sourceNode: 'node-1', targetNode: 'node-2', failed: true, startTimestamp: CREATED, endTimestamp: ENDED, failureReason: `target refused the hand-off: ${echo}` },
          },
        },
      ];
    default:
      return undefined;
  }
}
