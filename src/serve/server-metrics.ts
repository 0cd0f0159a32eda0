// What `serve` tells Prometheus at GET /metrics: the transitions it recorded (by cluster), each
// cluster's stream state, the history's state, SSE clients, the requests it answered (by route,
// method and status) and their latency, and the process (prom-client's defaults). A registry of
// its own, not prom-client's global one, so two servers in one process (tests) do not collide.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ClusterStreamState {
  id: string;
  label?: string;
  /** connecting, connected, reconnecting, unreachable (ConnectionState.state), or limited (connected, cannot stream). */
  state: string;
  detail?: string;
}

export interface MetricsSources {
  clusters(): ClusterStreamState[];
  historyOpen(): boolean;
  sseClients(): number;
}

const STREAM_STATES = ['connecting', 'connected', 'limited', 'unreachable'] as const;

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly latency: Histogram<'route'>;
  private readonly transitions: Counter<'cluster'>;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'blixard_serve_' });
    this.requests = new Counter({ name: 'blixard_serve_http_requests_total', help: 'HTTP requests answered, by route pattern, method and status code.', labelNames: ['route', 'method', 'status'], registers });
    this.latency = new Histogram({
      name: 'blixard_serve_http_request_duration_seconds',
      help: 'Time from a request to its response, by route pattern.',
      labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.transitions = new Counter({ name: 'blixard_migration_transitions_total', help: 'Migration phase transitions this server recorded (and streamed), by cluster.', labelNames: ['cluster'], registers });
    new Gauge({
      name: 'blixard_cluster_stream_state',
      help: "Each watched cluster's migration stream: 1 for its current state (connecting, connected, limited, unreachable), 0 for the others.",
      labelNames: ['cluster', 'state'],
      registers,
      collect() {
        this.reset();
        for (const c of sources.clusters()) for (const s of STREAM_STATES) this.set({ cluster: c.id, state: s }, c.state === s ? 1 : 0);
      },
    });
    new Gauge({
      name: 'blixard_history_open',
      help: '1 while the history is open and answering, 0 once it is closed.',
      registers,
      collect() {
        this.set(sources.historyOpen() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'blixard_serve_sse_clients',
      help: 'Clients following GET /api/v1/migrations/watch.',
      registers,
      collect() {
        this.set(sources.sseClients());
      },
    });
  }

  request(route: string, method: string, status: number, seconds: number): void {
    this.requests.inc({ route, method, status: String(status) });
    this.latency.observe({ route }, seconds);
  }

  transition(cluster: string): void {
    this.transitions.inc({ cluster });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
