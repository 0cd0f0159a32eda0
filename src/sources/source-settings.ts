// The user's cluster settings as plain, validated values. Raw values come from wherever the
// caller reads them (VS Code configuration, CLI flags); nothing here imports `vscode`.
// Invalid entries are reported as problems and left out — one bad entry never hides the rest.

import * as os from 'node:os';
import * as path from 'node:path';
import { acceptedValue } from '../model/settings';

export interface TlsSettings {
  caFile: string;
  certFile?: string;
  keyFile?: string;
}

export interface BlixardClusterSettings {
  name: string;
  /** host:port, tried in order. */
  endpoints: string[];
  datacenter?: string;
  tls?: TlsSettings;
}

export interface KubeconfigFile {
  path: string;
  /** Named by the user (a missing file is a problem) rather than the default location (a missing file is quietly skipped). */
  explicit: boolean;
}

export interface SourceSettings {
  blixardClusters: BlixardClusterSettings[];
  kubeconfigFiles: KubeconfigFile[];
  /** Contexts to show; empty means every context. */
  kubeContexts: string[];
  /** How often sources without a live feed re-list (blixard.refreshIntervalSeconds); 0 = off. */
  refreshIntervalSeconds?: number;
  /** A KubeVirt watch silent (no event, no bookmark) this long is restarted (blixard.kubevirt.watchStallSeconds). */
  kubeWatchStallSeconds?: number;
  /** Where each context's virt-handler metrics are (blixard.kubevirt.prometheus), by context name; "*" for any other. */
  kubePrometheus?: Record<string, PrometheusSettings>;
}

/** One Prometheus of blixard.kubevirt.prometheus: its URL and, for https with a private CA, the CA file. */
export interface PrometheusSettings {
  url: string;
  certificateAuthority?: string;
}

/** A setting that could not be used, said so a person can fix it. */
export interface SettingsProblem {
  setting: string;
  message: string;
  /** Not an error but a notice about the settings: workspace values set aside until the folder is trusted. */
  notice?: 'untrusted-workspace';
}

export interface RawSourceSettings {
  clusters: unknown;
  kubeconfig: unknown;
  contexts: unknown;
  refreshIntervalSeconds?: unknown;
  watchStallSeconds?: unknown;
  prometheus?: unknown;
}

export interface SettingsEnvironment {
  /** $KUBECONFIG, if set. */
  kubeconfigEnv?: string;
  homeDir?: string;
}

const ENDPOINT = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;

export function isValidEndpoint(endpoint: string): boolean {
  const match = ENDPOINT.exec(endpoint);
  if (!match) return false;
  const port = Number(match[2]);
  return port > 0 && port < 65536;
}

export function parseSourceSettings(
  raw: RawSourceSettings,
  env: SettingsEnvironment = { kubeconfigEnv: process.env.KUBECONFIG, homeDir: os.homedir() },
): { settings: SourceSettings; problems: SettingsProblem[] } {
  const problems: SettingsProblem[] = [];
  const blixardClusters = parseBlixardClusters(raw.clusters, problems);
  const kubeconfigFiles = parseKubeconfigFiles(raw.kubeconfig, env, problems);
  const kubeContexts = stringList(raw.contexts, 'blixard.kubevirt.contexts', problems);
  const settings: SourceSettings = { blixardClusters, kubeconfigFiles, kubeContexts };
  // Unset or unusable: left out, and the sources use the catalogue's default (model/settings.ts).
  const interval = acceptedValue('blixard.refreshIntervalSeconds', raw.refreshIntervalSeconds);
  if (interval !== undefined) settings.refreshIntervalSeconds = interval;
  const stall = acceptedValue('blixard.kubevirt.watchStallSeconds', raw.watchStallSeconds);
  if (stall !== undefined) settings.kubeWatchStallSeconds = stall;
  const prometheus = parsePrometheus(raw.prometheus, env, problems);
  if (prometheus) settings.kubePrometheus = prometheus;
  return { settings, problems };
}

function parseBlixardClusters(raw: unknown, problems: SettingsProblem[]): BlixardClusterSettings[] {
  const setting = 'blixard.clusters';
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.push({ setting, message: 'must be a list of clusters' });
    return [];
  }
  const clusters: BlixardClusterSettings[] = [];
  const seen = new Set<string>();
  raw.forEach((entry, index) => {
    const where = `cluster #${index + 1}`;
    if (!entry || typeof entry !== 'object') {
      problems.push({ setting, message: `${where} is not an object` });
      return;
    }
    const e = entry as Record<string, unknown>;
    const name = typeof e.name === 'string' ? e.name.trim() : '';
    if (!name) {
      problems.push({ setting, message: `${where} has no name` });
      return;
    }
    if (seen.has(name)) {
      problems.push({ setting, message: `"${name}" is listed twice; the second entry is ignored` });
      return;
    }
    const endpoints = Array.isArray(e.endpoints) ? e.endpoints.filter((x): x is string => typeof x === 'string').map((x) => x.trim()) : [];
    const bad = endpoints.filter((x) => !isValidEndpoint(x));
    if (endpoints.length === 0 || bad.length > 0) {
      problems.push({
        setting,
        message: bad.length > 0 ? `"${name}": endpoint ${bad.map((b) => `"${b}"`).join(', ')} is not host:port` : `"${name}" has no endpoints (host:port)`,
      });
      return;
    }
    const cluster: BlixardClusterSettings = { name, endpoints };
    if (typeof e.datacenter === 'string' && e.datacenter.trim()) cluster.datacenter = e.datacenter.trim();
    if (e.tls !== undefined) {
      const tls = e.tls as Record<string, unknown> | null;
      if (!tls || typeof tls !== 'object' || typeof tls.caFile !== 'string' || !tls.caFile) {
        problems.push({ setting, message: `"${name}": tls needs a caFile` });
        return;
      }
      if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
        problems.push({ setting, message: `"${name}": tls needs both certFile and keyFile for mutual TLS, or neither` });
        return;
      }
      cluster.tls = { caFile: tls.caFile };
      if (typeof tls.certFile === 'string') cluster.tls.certFile = tls.certFile;
      if (typeof tls.keyFile === 'string') cluster.tls.keyFile = tls.keyFile;
    }
    seen.add(name);
    clusters.push(cluster);
  });
  return clusters;
}

function parseKubeconfigFiles(raw: unknown, env: SettingsEnvironment, problems: SettingsProblem[]): KubeconfigFile[] {
  // A single string is accepted too: it is what people type by habit.
  const given = typeof raw === 'string' ? (raw.trim() ? [raw.trim()] : []) : stringList(raw, 'blixard.kubevirt.kubeconfig', problems);
  if (given.length > 0) return given.map((p) => ({ path: expandHome(p, env.homeDir), explicit: true }));
  if (env.kubeconfigEnv) {
    return env.kubeconfigEnv
      .split(path.delimiter)
      .filter(Boolean)
      .map((p) => ({ path: expandHome(p, env.homeDir), explicit: false }));
  }
  return env.homeDir ? [{ path: path.join(env.homeDir, '.kube', 'config'), explicit: false }] : [];
}

/** blixard.kubevirt.prometheus: { "<context>" | "*": "https://…" | { url, certificateAuthority? } }; bad entries are problems, not errors. */
function parsePrometheus(raw: unknown, env: SettingsEnvironment, problems: SettingsProblem[]): Record<string, PrometheusSettings> | undefined {
  const setting = 'blixard.kubevirt.prometheus';
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push({ setting, message: 'must map kubeconfig context names (or "*") to Prometheus URLs' });
    return undefined;
  }
  const result: Record<string, PrometheusSettings> = {};
  for (const [context, value] of Object.entries(raw as Record<string, unknown>)) {
    const entry = typeof value === 'string' ? { url: value } : value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
    const url = typeof entry.url === 'string' ? entry.url.trim() : '';
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      problems.push({ setting, message: `"${context.slice(0, 100)}": ${JSON.stringify(url.slice(0, 100))} is not an http(s) URL` });
      continue;
    }
    if (parsed.username || parsed.password) {
      problems.push({ setting, message: `"${context.slice(0, 100)}": put no credentials in the URL; use "Blixard: Set Prometheus Token"` });
      continue;
    }
    const ca = typeof entry.certificateAuthority === 'string' && entry.certificateAuthority.trim() ? expandHome(entry.certificateAuthority.trim(), env.homeDir) : undefined;
    result[context] = { url, ...(ca ? { certificateAuthority: ca } : {}) };
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

function stringList(raw: unknown, setting: string, problems: SettingsProblem[]): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.some((x) => typeof x !== 'string')) {
    problems.push({ setting, message: 'must be a list of strings' });
    return Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string') : [];
  }
  return raw.map((x: string) => x.trim()).filter(Boolean);
}

function expandHome(p: string, home: string | undefined): string {
  if (home && (p === '~' || p.startsWith('~/'))) return path.join(home, p.slice(1));
  return p;
}
