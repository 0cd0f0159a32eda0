// The OpenAPI 3.1 document of `blixard-migrations serve`, served at GET /api/v1/openapi.json:
// the contract scripts, dashboards and the extension's history-server client are written
// against. The test suite validates every response it receives against it (JSON Schema 2020-12,
// ajv), so a field added to the wire without being described here fails a test.

const ERROR_RESPONSE = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

const ERRORS = {
  '400': ERROR_RESPONSE('A path or query parameter is malformed (too long, control characters, not one of the allowed values, a cursor of another query).'),
  '401': ERROR_RESPONSE('No bearer token, or not the right one.'),
  '405': ERROR_RESPONSE('Only GET (and HEAD) are served.'),
  '429': ERROR_RESPONSE('Too many requests from this client: wait as long as Retry-After says.'),
  '503': ERROR_RESPONSE('The history is closed (the server is stopping or its history failed).'),
};

const LIST_PARAMETERS = [
  { $ref: '#/components/parameters/limit' },
  { $ref: '#/components/parameters/cursor' },
  { $ref: '#/components/parameters/cluster' },
  { $ref: '#/components/parameters/since' },
];

const LIST_RESPONSES = {
  '200': {
    description: 'Migrations newest first. `ETag` is set; send it back as `If-None-Match` to get 304 while nothing changed.',
    headers: { ETag: { schema: { type: 'string' } } },
    content: { 'application/json': { schema: { $ref: '#/components/schemas/MigrationList' } } },
  },
  '304': { description: 'Not modified since the ETag given in If-None-Match.' },
  ...ERRORS,
};

const list = (summary: string, operationId: string, extra: object[] = [], withState = true) => ({
  get: { summary, operationId, parameters: [...extra, ...LIST_PARAMETERS, ...(withState ? [{ $ref: '#/components/parameters/state' }] : [])], responses: LIST_RESPONSES },
});

const BOUNDED_NAME = { type: 'string', minLength: 1, maxLength: 253, pattern: '^[^\\u0000-\\u001f\\u007f]+$' };

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Blixard Migrations history API',
    version: '1.0.0',
    description:
      'The migrations of Blixard and KubeVirt clusters as `blixard-migrations serve` records them. Every endpoint but /healthz needs `Authorization: Bearer <token>` when the server was started with --token-file. Errors are `{error, message}`.',
  },
  servers: [{ url: '/' }],
  security: [{ bearerToken: [] }],
  paths: {
    '/api/v1/migrations': list('All migrations, newest first', 'listMigrations'),
    '/api/v1/migrations/active': list('Migrations that have not ended (pending or running), newest first', 'listActiveMigrations', [], false),
    '/api/v1/migrations/datacenter/{dcId}': list('Migrations of the clusters in one datacenter, newest first', 'listDatacenterMigrations', [{ name: 'dcId', in: 'path', required: true, schema: BOUNDED_NAME }]),
    '/api/v1/migrations/vm/{vmName}': list('Migrations of one VM (by name, in any cluster and namespace), newest first', 'listVmMigrations', [{ name: 'vmName', in: 'path', required: true, schema: BOUNDED_NAME }]),
    '/api/v1/migrations/watch': {
      get: {
        summary: 'Server-Sent Events: one `transition` event per phase transition, as it is recorded',
        description:
          'Events: `transition` (data: TransitionEvent; its `migration` has no `transitions`), `ready` (data `{}`, sent once per connection after any replay, its id the stream\'s position), `reset` (data: ResetEvent). Every `transition` and `ready` has an `id`; reconnect with `Last-Event-ID` (EventSource does) to receive every transition after it, none twice. When the id is no longer held (the server restarted, or more than its 50,000-event window happened since), a `reset` event comes first: list again, then follow. `: keep-alive` comments every 15 s. `?cluster=` keeps one cluster\'s transitions.',
        operationId: 'watchMigrations',
        parameters: [{ $ref: '#/components/parameters/cluster' }, { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string', maxLength: 64 } }],
        responses: {
          '200': { description: 'An event stream; each `transition` event\'s data is a TransitionEvent, a `reset` event\'s data a ResetEvent.', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          ...ERRORS,
        },
      },
    },
    '/api/v1/migrations/{id}': {
      get: {
        summary: 'One migration by id (URL-encode the slashes of an id: kv%2Fdefault%2Fname)',
        operationId: 'getMigration',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', minLength: 1, maxLength: 512, pattern: '^[^\\u0000-\\u001f\\u007f]+$' } }],
        responses: {
          '200': { description: 'The migration with its timeline.', headers: { ETag: { schema: { type: 'string' } } }, content: { 'application/json': { schema: { $ref: '#/components/schemas/Migration' } } } },
          '304': { description: 'Not modified.' },
          '404': ERROR_RESPONSE('No migration with this id.'),
          ...ERRORS,
        },
      },
    },
    '/api/v1/openapi.json': { get: { summary: 'This document', operationId: 'openapi', responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } }, ...ERRORS } } },
    '/healthz': {
      get: {
        summary: 'Whether the server watches, whether its history is open and writable, and each cluster\'s stream (no token needed)',
        operationId: 'health',
        security: [],
        responses: {
          '200': { description: 'Serving.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } } },
          '503': { description: 'The history is closed.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } } },
          '429': ERRORS['429'],
        },
      },
    },
    '/metrics': { get: { summary: 'Prometheus text format: transitions recorded, stream states, requests and their latency, the process', operationId: 'metrics', responses: { '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } }, ...ERRORS } } },
  },
  components: {
    securitySchemes: { bearerToken: { type: 'http', scheme: 'bearer', description: 'The contents of the file given as --token-file.' } },
    parameters: {
      limit: { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
      cursor: { name: 'cursor', in: 'query', required: false, description: 'The `next` of the previous page (opaque; only valid with the same path and filters).', schema: { type: 'string', maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' } },
      state: { name: 'state', in: 'query', required: false, description: 'completed: every final state (succeeded, failed, cancelled); failed: failed only.', schema: { type: 'string', enum: ['all', 'active', 'completed', 'failed'], default: 'all' } },
      cluster: { name: 'cluster', in: 'query', required: false, description: "The cluster's id, as in a migration's `cluster`.", schema: BOUNDED_NAME },
      since: { name: 'since', in: 'query', required: false, description: 'Only migrations created at or after this RFC 3339 time.', schema: { type: 'string', format: 'date-time', maxLength: 40 } },
    },
    schemas: {
      Error: {
        type: 'object',
        required: ['error', 'message'],
        additionalProperties: false,
        properties: {
          error: { type: 'string', enum: ['bad-request', 'unauthorized', 'not-found', 'method-not-allowed', 'payload-too-large', 'too-many-requests', 'unavailable', 'internal'] },
          message: { type: 'string' },
        },
      },
      Transition: { type: 'object', required: ['phase', 'at'], additionalProperties: false, properties: { phase: { type: 'string' }, at: { type: 'string', format: 'date-time' } } },
      Progress: {
        type: 'object',
        required: ['totalBytes', 'transferredBytes', 'remainingBytes', 'dirtyRateBytesPerSec', 'precopyRound'],
        additionalProperties: false,
        properties: {
          totalBytes: { type: 'number' },
          transferredBytes: { type: 'number' },
          remainingBytes: { type: 'number' },
          dirtyRateBytesPerSec: { type: 'number' },
          bandwidthBytesPerSec: { type: 'number' },
          precopyRound: { type: 'number' },
          remainingIsUpperBound: { type: 'boolean' },
        },
      },
      Migration: {
        type: 'object',
        required: ['id', 'kind', 'cluster', 'vm', 'name', 'mode', 'origin', 'phase', 'state', 'createdAt', 'labels'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', description: '"<cluster id>/<the cluster\'s own id>": unique across clusters.' },
          kind: { type: 'string', description: 'The cluster kind (blixard, kubevirt).' },
          cluster: { type: 'string' },
          datacenter: { type: 'string' },
          namespace: { type: 'string' },
          vm: { type: 'string' },
          name: { type: 'string', description: "The migration's own name on its cluster." },
          sourceNode: { type: 'string' },
          targetNode: { type: 'string' },
          mode: { type: 'string', description: 'cold, live, PreCopy, PostCopy' },
          origin: { type: 'string', enum: ['user', 'evacuation', 'workload-update', 'unknown'] },
          phase: { type: 'string', description: "The cluster's own phase word (Pending, Scheduling, Running, Succeeded…)." },
          state: { type: 'string', enum: ['pending', 'running', 'succeeded', 'failed', 'cancelled'] },
          createdAt: { type: 'string', format: 'date-time' },
          startedAt: { type: 'string', format: 'date-time' },
          endedAt: { type: 'string', format: 'date-time' },
          durationMs: { type: 'number' },
          duration: { type: 'string', description: 'durationMs in words: "149ms", "1.2s", "2m 05s".' },
          downtimeMs: { type: 'number', description: 'How long the guest was paused at switchover, where the hypervisor measured it.' },
          downtime: { type: 'string' },
          progress: { $ref: '#/components/schemas/Progress' },
          failureReason: { type: 'string' },
          planId: { type: 'string', description: 'The migration plan this migration belongs to, when it has one.' },
          uid: { type: 'string', description: "The cluster's uid of the migration object (KubeVirt metadata.uid)." },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          transitions: { type: 'array', items: { $ref: '#/components/schemas/Transition' }, description: 'Oldest first; in every REST answer (absent only in an SSE event).' },
        },
      },
      MigrationList: {
        type: 'object',
        required: ['items'],
        additionalProperties: false,
        properties: {
          items: { type: 'array', items: { $ref: '#/components/schemas/Migration' } },
          next: { type: 'string', description: 'Pass as `cursor` for the next page; absent on the last page.' },
        },
      },
      TransitionEvent: {
        type: 'object',
        required: ['migration', 'transition'],
        additionalProperties: false,
        properties: { migration: { $ref: '#/components/schemas/Migration' }, transition: { $ref: '#/components/schemas/Transition' }, previousPhase: { type: 'string' } },
      },
      ResetEvent: { type: 'object', required: ['reason'], additionalProperties: false, properties: { reason: { type: 'string' } } },
      Health: {
        type: 'object',
        required: ['status', 'watching', 'history', 'clusters'],
        additionalProperties: false,
        properties: {
          status: { type: 'string', enum: ['ok', 'degraded', 'unavailable'], description: 'degraded: a cluster stream is not connected.' },
          watching: { type: 'boolean', description: 'False with --read-only.' },
          history: {
            type: 'object',
            required: ['open', 'writable'],
            additionalProperties: false,
            properties: { open: { type: 'boolean' }, writable: { type: 'boolean' }, role: { type: 'string', enum: ['writer', 'follower', 'read-only'] } },
          },
          clusters: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'state'],
              additionalProperties: false,
              properties: { id: { type: 'string' }, label: { type: 'string' }, state: { type: 'string', description: 'connecting, connected, reconnecting, unreachable' }, detail: { type: 'string' } },
            },
          },
        },
      },
    },
  },
} as const;
