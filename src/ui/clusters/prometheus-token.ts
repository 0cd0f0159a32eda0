// "Blixard: Set Prometheus Token": the bearer token for a Prometheus of blixard.kubevirt.prometheus
// (a kube-rbac-proxy or OpenShift's thanos-querier in front of it asks for one), kept in VS Code's
// SecretStorage — never in settings, never logged — and read by the KubeVirt sources at each query,
// so a token set or cleared applies from the next poll without rebuilding anything.

import * as vscode from 'vscode';
import { secretRegistry } from '../../base/secret-registry';
import { readSetting } from '../common/settings';

const SECRET_PREFIX = 'blixard.prometheus.token:';

/** One key per Prometheus URL, as written in the setting (without a trailing slash). */
function secretKey(url: string): string {
  return `${SECRET_PREFIX}${url.trim().replace(/\/+$/, '')}`;
}

/** What the sources call before each query (SourceDependencies.prometheusToken). */
export function prometheusTokenReader(secrets: vscode.SecretStorage): (url: string) => Promise<string | undefined> {
  return async (url) => {
    const token = await secrets.get(secretKey(url));
    if (token) secretRegistry.add(token);
    return token || undefined;
  };
}

/** The Prometheus URLs the setting names, for the picker. */
function configuredUrls(): string[] {
  const raw = readSetting<Record<string, unknown>>('blixard.kubevirt.prometheus');
  if (!raw || typeof raw !== 'object') return [];
  const urls = Object.values(raw).map((v) => (typeof v === 'string' ? v : v && typeof v === 'object' && typeof (v as { url?: unknown }).url === 'string' ? (v as { url: string }).url : undefined));
  return [...new Set(urls.filter((u): u is string => !!u && /^https?:\/\//.test(u.trim())).map((u) => u.trim()))];
}

export function registerPrometheusTokenCommand(secrets: vscode.SecretStorage): vscode.Disposable {
  return vscode.commands.registerCommand('blixard.setPrometheusToken', async (given?: unknown) => {
    let url = typeof given === 'string' ? given : undefined;
    if (!url) {
      const urls = configuredUrls();
      if (urls.length === 0) {
        void vscode.window.showInformationMessage('No Prometheus is configured: set blixard.kubevirt.prometheus first (a URL per kubeconfig context).');
        return;
      }
      url = urls.length === 1 ? urls[0] : await vscode.window.showQuickPick(urls, { title: 'Set Prometheus Token', placeHolder: 'Which Prometheus?' });
    }
    if (!url) return;
    const token = await vscode.window.showInputBox({
      title: `Bearer token for ${url}`,
      prompt: 'Sent as "Authorization: Bearer …" with each query. Leave empty to remove the stored token.',
      password: true,
      ignoreFocusOut: true,
    });
    if (token === undefined) return;
    if (token.trim() === '') {
      await secrets.delete(secretKey(url));
      void vscode.window.showInformationMessage(`Removed the Prometheus token for ${url}.`);
      return;
    }
    secretRegistry.add(token.trim());
    await secrets.store(secretKey(url), token.trim());
    void vscode.window.showInformationMessage(`Stored the Prometheus token for ${url}; migration progress uses it from the next query.`);
  });
}
