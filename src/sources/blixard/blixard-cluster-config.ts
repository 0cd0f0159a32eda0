// The `blixard.clusters` setting for one cluster, and the checks made on it before any
// connection: endpoints parse, TLS files come in pairs, plain text leaves the machine only
// with a warning.

export interface BlixardTlsConfig {
  /** PEM file of the CA that signed the daemons' certificates. */
  caFile: string;
  /** Client certificate and key, both or neither, for mutual TLS. */
  certFile?: string;
  keyFile?: string;
}

export interface BlixardClusterConfig {
  /** Stable id of the cluster within the extension (ClusterSource.id). */
  id: string;
  /** What a person reads in the tree. */
  name?: string;
  /** Accepted as another word for `name` (the extension's cluster specs call it so). */
  label?: string;
  /** "host:port" of each node daemon, tried in order when one is down. */
  endpoints: string[];
  datacenter?: string;
  tls?: BlixardTlsConfig;
}

export interface BlixardEndpoint {
  /** As configured, e.g. "10.0.0.5:7001" or "[::1]:7001". */
  address: string;
  host: string;
  port: number;
  loopback: boolean;
}

/** Parses "host:port" (IPv6 in brackets); undefined when it is not one. */
export function parseEndpoint(text: string): BlixardEndpoint | undefined {
  const address = text.trim();
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]/]+)):(\d{1,5})$/.exec(address);
  if (!match) return undefined;
  const host = match[1] ?? match[2];
  const port = Number(match[3]);
  if (!host || port < 1 || port > 65535) return undefined;
  return { address, host, port, loopback: isLoopbackHost(host) };
}

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || /^127(?:\.\d{1,3}){3}$/.test(h) || h === '::1' || h === '0:0:0:0:0:0:0:1';
}

export function clusterDisplayName(config: Pick<BlixardClusterConfig, 'id' | 'name' | 'label'>): string {
  return config.name || config.label || config.id;
}

/** The first problem with a configuration, worded for a person, or undefined when it is usable. */
export function findConfigProblem(config: BlixardClusterConfig): string | undefined {
  const name = clusterDisplayName(config);
  if (!Array.isArray(config.endpoints) || config.endpoints.length === 0) {
    return `Blixard cluster "${name}" has no endpoints: add at least one "host:port".`;
  }
  for (const endpoint of config.endpoints) {
    if (typeof endpoint !== 'string' || !parseEndpoint(endpoint)) {
      return `Blixard cluster "${name}": endpoint ${JSON.stringify(endpoint)} is not "host:port".`;
    }
  }
  const tls = config.tls;
  if (tls) {
    if (typeof tls.caFile !== 'string' || tls.caFile.trim() === '') {
      return `Blixard cluster "${name}": tls.caFile is required when tls is set.`;
    }
    if (Boolean(tls.certFile) !== Boolean(tls.keyFile)) {
      return `Blixard cluster "${name}": tls.certFile and tls.keyFile go together (mutual TLS needs both).`;
    }
  }
  return undefined;
}

/** Sentences for the tree tooltip about how safely the cluster is reached. */
export function connectionWarnings(config: BlixardClusterConfig): string[] {
  if (config.tls || !Array.isArray(config.endpoints)) return [];
  const exposed = config.endpoints
    .map((e) => (typeof e === 'string' ? parseEndpoint(e) : undefined))
    .filter((e): e is BlixardEndpoint => e !== undefined && !e.loopback)
    .map((e) => e.address);
  if (exposed.length === 0) return [];
  const list = exposed.join(', ');
  return [
    `Unencrypted connection to ${list}: ${exposed.length === 1 ? 'this endpoint is' : 'these endpoints are'} not on this machine, so traffic can be read or altered on the network. Set "tls" for this cluster.`,
  ];
}
