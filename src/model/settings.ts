// Every `blixard.*` setting in one catalogue: its key, its default (the one package.json's
// contributes.configuration declares; a test keeps the two equal), which values are usable, and
// whether a folder may set it before it is trusted — with the one rule that applies workspace
// trust. vscode-free: the extension's reader (ui/common/settings.ts), the settings parsing the
// CLI shares (sources/source-settings.ts) and the sources' own defaults all read it from here.

export interface SettingSpec<T> {
  /** The value when the setting is unset or unusable. */
  readonly default: T;
  /** Whether a value read can be used; one that cannot falls back to the default. */
  readonly accepts: (value: unknown) => value is T;
  /**
   * Why a folder may set it only once it is trusted: its workspace value could run a command,
   * read a file, use a credential or destroy data. Absent for timings and looks, which touch
   * nothing outside the window.
   */
  readonly restricted?: string;
}

const isList = (value: unknown): value is readonly unknown[] => Array.isArray(value);
const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
const isText = (value: unknown): value is string => typeof value === 'string';
const isObject = (value: unknown): value is Readonly<Record<string, unknown>> => typeof value === 'object' && value !== null && !Array.isArray(value);
/** A finite number of at least `min` (what the code honours; package.json's `minimum` only guides the settings editor). */
const atLeast =
  (min: number) =>
  (value: unknown): value is number =>
    typeof value === 'number' && Number.isFinite(value) && value >= min;

const setting = <T>(spec: SettingSpec<T>): SettingSpec<T> => spec;

export const SETTINGS = {
  'blixard.clusters': setting<readonly unknown[]>({
    default: [],
    accepts: isList,
    restricted: 'endpoints are connected to from this machine, and TLS files (CA, client certificate and key) are read and presented',
  }),
  'blixard.kubevirt.kubeconfig': setting<readonly unknown[]>({
    default: [],
    accepts: isList,
    restricted: "kubeconfig files are read, and their exec plugins and auth-provider cmd-path commands run, as kubectl's do",
  }),
  'blixard.kubevirt.contexts': setting<readonly unknown[]>({
    default: [],
    accepts: isList,
    restricted: 'chooses which of your kubeconfig credentials are used and whose exec plugins run',
  }),
  /** Fallback polling of expanded clusters, in seconds; 0 turns it off. */
  'blixard.refreshIntervalSeconds': setting({ default: 30, accepts: atLeast(0) }),
  'blixard.statusBar.enabled': setting({ default: true, accepts: isBoolean }),
  /** 0 keeps finished migrations forever. */
  'blixard.history.retentionDays': setting({ default: 365, accepts: atLeast(0), restricted: 'prunes the migration history every window shares' }),
  /** 0 means no limit. */
  'blixard.history.maxMigrations': setting({ default: 100_000, accepts: atLeast(0), restricted: 'prunes the migration history every window shares' }),
  /** A `blixard-migrations serve` whose history (the team's) the view, panel and history commands show, merged with this machine's; '' for none. */
  'blixard.history.server': setting({ default: '', accepts: isText, restricted: 'the history server token is sent to this URL, and what it answers is shown as the migration history' }),
  /** Per kubeconfig context ("*": any other), where virt-handler's migration metrics are: a URL, or { url, certificateAuthority }. */
  'blixard.kubevirt.prometheus': setting<Readonly<Record<string, unknown>>>({
    default: {},
    accepts: isObject,
    restricted: 'a Prometheus server is connected to from this machine with the token stored for it, and a CA file is read',
  }),
  /** A KubeVirt watch silent (no event, no bookmark) this many seconds is restarted. */
  'blixard.kubevirt.watchStallSeconds': setting({ default: 120, accepts: atLeast(1) }),
  /** How many migrations a new plan runs at once (ui/plans/core/plan-concurrency-setting.ts checks the fields); it only fills a plan the user reviews. */
  'blixard.plans.maxParallel': setting<Readonly<Record<string, unknown>>>({ default: { perCluster: 5, perSourceNode: 2 }, accepts: isObject }),
} as const;

export type SettingKey = keyof typeof SETTINGS;
export type SettingValue<K extends SettingKey> = (typeof SETTINGS)[K] extends SettingSpec<infer T> ? T : never;

export function isSettingKey(key: string): key is SettingKey {
  return Object.prototype.hasOwnProperty.call(SETTINGS, key);
}

/** The value to use for what was read: the value when the catalogue accepts it, else the default. */
export function settingValue<K extends SettingKey>(key: K, raw: unknown): SettingValue<K> {
  const spec = SETTINGS[key] as SettingSpec<SettingValue<K>>;
  return spec.accepts(raw) ? raw : spec.default;
}

/** The value when usable, else undefined (for settings whose absence leaves the default to the code that uses them). */
export function acceptedValue<K extends SettingKey>(key: K, raw: unknown): SettingValue<K> | undefined {
  const spec = SETTINGS[key] as SettingSpec<SettingValue<K>>;
  return spec.accepts(raw) ? raw : undefined;
}

// ---- workspace trust ------------------------------------------------------------------------
// package.json's capabilities.untrustedWorkspaces.restrictedConfigurations lists the restricted
// settings (a test keeps it equal): VS Code withholds workspace values of those from the
// extension in Restricted Mode, and the reader applies the same rule itself, so the promise does
// not rest on the host honouring the manifest.

/** Settings whose workspace value could run a command, read a file, use a credential or destroy data — and why. */
export const RESTRICTED_SETTINGS = Object.fromEntries(
  Object.entries(SETTINGS as Record<string, SettingSpec<unknown>>).flatMap(([key, spec]) => (spec.restricted ? [[key, spec.restricted]] : [])),
) as Readonly<Record<string, string>>;

/** Settings a folder may set even untrusted: timings and looks, which touch nothing outside the window. */
export const UNRESTRICTED_SETTINGS = (Object.keys(SETTINGS) as SettingKey[]).filter((key) => !(SETTINGS[key] as SettingSpec<unknown>).restricted);

export function isRestrictedSetting(key: string): boolean {
  return isSettingKey(key) && !!(SETTINGS[key] as SettingSpec<unknown>).restricted;
}

/** What VS Code's `WorkspaceConfiguration.inspect()` reports, in the parts this rule reads. */
export interface InspectedSetting<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

/**
 * The value to use. A trusted window uses the effective value (workspace over user over
 * default, as VS Code resolves it); an untrusted one never a workspace or folder value of a
 * restricted setting: the user's value, else the default.
 */
export function valueUnderWorkspaceTrust<T>(key: string, effective: T | undefined, inspected: InspectedSetting<T> | undefined, trusted: boolean): T | undefined {
  if (trusted || !isRestrictedSetting(key)) return effective;
  return inspected?.globalValue ?? inspected?.defaultValue;
}

/** The tree's line in Restricted Mode (a folder is open and not trusted). */
export const UNTRUSTED_WORKSPACE_NOTICE = 'Restricted Mode: folder settings ignored';
