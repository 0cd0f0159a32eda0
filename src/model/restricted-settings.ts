// Which blixard.* settings a folder may set only once it is trusted (VS Code's workspace trust),
// and the one rule that applies it. The list is package.json's
// capabilities.untrustedWorkspaces.restrictedConfigurations (a test keeps the two equal): VS Code
// withholds workspace values of those from the extension in Restricted Mode, and the settings
// reader applies the same rule itself, so the promise does not rest on the host honouring the
// manifest. vscode-free.

/** Settings whose workspace value could run a command, read a file, use a credential or destroy data — and why. */
export const RESTRICTED_SETTINGS = {
  'blixard.clusters': 'endpoints are connected to from this machine, and TLS files (CA, client certificate and key) are read and presented',
  'blixard.kubevirt.kubeconfig': "kubeconfig files are read, and their exec plugins and auth-provider cmd-path commands run, as kubectl's do",
  'blixard.kubevirt.contexts': 'chooses which of your kubeconfig credentials are used and whose exec plugins run',
  'blixard.history.retentionDays': 'prunes the migration history every window shares',
  'blixard.history.maxMigrations': 'prunes the migration history every window shares',
} as const;

export type RestrictedSetting = keyof typeof RESTRICTED_SETTINGS;

/** Settings a folder may set even untrusted: timings and looks, which touch nothing outside the window. */
export const UNRESTRICTED_SETTINGS = ['blixard.refreshIntervalSeconds', 'blixard.kubevirt.watchStallSeconds', 'blixard.statusBar.enabled'] as const;

export function isRestrictedSetting(key: string): key is RestrictedSetting {
  return Object.prototype.hasOwnProperty.call(RESTRICTED_SETTINGS, key);
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
