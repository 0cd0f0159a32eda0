// The extension's side of a server that echoes credentials, on real parts without VS Code: the
// cluster registry and real KubevirtSources over a kubeconfig with a token, Basic credentials, an
// exec plugin, a token file and a client key; the Clusters tree's view model and its presentation
// (the error text on a cluster's row and in its tooltip); the watch session (watcher, recorder, a
// real history file); the output lines the channel prints; the sources' log. A refusal that
// quotes the credential, and a failed migration whose reason quotes it, reach all of them with
// the secret replaced — and no spelling of any secret is in the history's files.

import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ClusterRegistry } from '../../../src/sources/cluster-registry';
import { loadClientNode } from '../../../src/sources/kubevirt/client-node-loader';
import { parseSourceSettings } from '../../../src/sources/source-settings';
import { ClusterViewModel } from '../../../src/ui/clusters/core/cluster-view-model';
import { clusterLook, clusterTooltip } from '../../../src/ui/clusters/core/tree-presentation';
import { WatchSession } from '../../../src/watch/watch-session';
import { followMigrationOutput } from '../../../src/watch/migration-output';
import { OutputLineFormatter } from '../../../src/watch/output-line-formatter';
import { startCredentialEchoServer, type CredentialEchoServer, type EchoBehaviour } from '../../support/credential-echo-server';
import { leakedSecrets, writeCredentialKubeconfig, type CredentialKubeconfig, type CredentialUser } from '../../support/credential-kubeconfig';
import { recordingLogger, tempDir, waitFor } from '../history/support/fixtures';
import { KUBEVIRT_TRAITS } from '../../../src/sources/kubevirt/kubevirt-kind';
import { HistoryStore } from '../../../src/history';

/** The session's history, which these tests open in this thread (no worker): its queries answer at once. */
function inProcessStore(session: { history: unknown } | undefined): HistoryStore {
  const history = session?.history;
  assert.ok(history instanceof HistoryStore, 'the history opened in this thread');
  return history;
}

const REFUSED: ReadonlyArray<{ user: CredentialUser; status: 401 | 500 }> = [
  { user: 'token', status: 500 },
  { user: 'basic', status: 500 },
  { user: 'exec', status: 500 },
  { user: 'token-file', status: 401 },
  { user: 'key', status: 500 },
];
const SERVED: readonly CredentialUser[] = ['token', 'basic', 'exec', 'token-file'];
const FAST_HISTORY = { pollIntervalMs: 50, heartbeatMs: 100, staleLockMs: 2000, commitIntervalMs: 5 };

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('credentials a server echoes, on the extension side', function () {
  this.timeout(30_000);
  let dir: { dir: string; cleanup: () => void };
  let server: CredentialEchoServer;
  let kubeconfig: CredentialKubeconfig;
  let registry: ClusterRegistry;
  let session: WatchSession | undefined;
  const models: ClusterViewModel[] = [];
  const sourceLog: string[] = [];

  before(async () => {
    dir = tempDir('echoed-secrets');
    // Loaded once per process (seconds under tsx, not bundled): not part of the case's time.
    await loadClientNode();
    const clusters: Record<string, EchoBehaviour> = {};
    for (const r of REFUSED) clusters[`${r.user}-refused`] = { kind: 'refuse', status: r.status };
    for (const user of SERVED) clusters[`${user}-served`] = { kind: 'serve' };
    const leaks: Record<string, string[]> = {};
    server = await startCredentialEchoServer({ clusters, leaks });
    kubeconfig = await writeCredentialKubeconfig(dir.dir, server.url, [...REFUSED.map((r) => ({ user: r.user, behaviour: 'refused' })), ...SERVED.map((user) => ({ user, behaviour: 'served' }))]);
    leaks['key-refused'] = kubeconfig.keyLeaks;
    const log = (message: string) => sourceLog.push(message);
    registry = new ClusterRegistry({ logger: { debug: log, info: log, warn: log, error: log } });
    const { settings } = parseSourceSettings({ clusters: [], kubeconfig: [kubeconfig.file], contexts: [] });
    await registry.applySettings(settings);
  });

  after(async () => {
    for (const m of models) m.dispose();
    await session?.shutdown();
    registry?.dispose();
    await server?.stop();
    dir?.cleanup();
  });

  it('shows, prints, records and logs every echo with the secret replaced, and writes none to the history', async function () {
    this.timeout(20_000);
    const sessionLog = recordingLogger();
    session = await WatchSession.start({ historyPath: path.join(dir.dir, 'history.sqlite'), log: sessionLog, historyOptions: FAST_HISTORY });
    const watcher = session.watcher;
    const output: string[] = [];
    const formatter = new OutputLineFormatter({ clusterLabel: (id) => registry.get(id)?.spec.label });
    followMigrationOutput(watcher, formatter, { migration: (line) => output.push(line), stream: (line) => output.push(line) }, { announceConnected: true });
    session.setSources(registry.sources());

    // The tree: each refused cluster's row is an error with the server's words, secret replaced.
    const treeTexts: string[] = [];
    await Promise.all(
      REFUSED.map(async (r) => {
        const entry = registry.get(`kubevirt:${r.user}@refused`);
        assert.ok(entry, `${r.user}@refused is configured`);
        const model = new ClusterViewModel(entry, { loadDeadlineMs: 10_000, changeDebounceMs: 20, onChange: () => {}, log: (_level, message) => sourceLog.push(message) });
        models.push(model);
        await model.loadNodes();
        assert.equal(model.state.state, 'error', `${r.user}@refused is shown unreachable`);
        const reason = model.state.state === 'error' ? model.state.reason : '';
        assert.match(reason, r.status === 401 ? /did not accept the credentials/ : /\[redacted\]/, `${r.user}@refused: ${reason}`);
        const look = clusterLook({ label: entry.spec.label, traits: KUBEVIRT_TRAITS, local: false, state: model.state, warnings: [] });
        assert.ok(`${look.description}`.startsWith(`unreachable · ${reason.slice(0, 20)}`), `${r.user}@refused row: ${look.description}`);
        treeTexts.push(reason, `${look.description}`, clusterTooltip(entry.spec.label, [], [], model.state));
      }),
    );

    // The history: every served cluster's failed migration, with its echoing reason.
    await waitFor(
      'every served cluster recorded its failed migration',
      () => SERVED.every((user) => inProcessStore(session).all().some((m) => m.cluster === `kubevirt:${user}@served` && m.state === 'failed')),
      20_000,
    );
    const recorded = inProcessStore(session).all().filter((m) => m.name === 'echoed-migration');
    for (const m of recorded) assert.match(m.failureReason ?? '', /^target refused the hand-off: .*\[redacted\]/, `${m.cluster}: ${m.failureReason}`);
    const watched = SERVED.map((user) => watcher.recent(50).find((m) => m.cluster === `kubevirt:${user}@served`)?.failureReason ?? '');
    await waitFor('every refused cluster said down', () => REFUSED.every((r) => output.some((l) => l.includes(`${r.user}@refused  migration stream down`))), 20_000);
    const outages = watcher.outages.all().map((o) => o.reason);
    // The files as written while running (the journal) and after closing (the database file).
    await session.recorder!.flush();
    const historyFiles = () => filesUnder(dir.dir).filter((f) => path.basename(f).startsWith('history.sqlite') || path.basename(path.dirname(f)).startsWith('history.sqlite'));
    const fileTexts: Array<[string, string]> = historyFiles().map((f) => [`the file ${path.relative(dir.dir, f)} (running)`, readFileSync(f).toString('latin1')]);
    await session.shutdown();
    session = undefined;

    assert.ok(output.some((l) => / echoed-migration .*→ Failed .*\[redacted\]/.test(l)), `an output line carries the failure reason:\n${output.join('\n')}`);
    const places: Array<[string, string]> = [
      ['the tree', treeTexts.join('\n')],
      ['the history', JSON.stringify(recorded)],
      ['the watcher (views, status bar, dialog)', JSON.stringify([watched, outages])],
      ['the output lines', output.join('\n')],
      ['the sources\u2019 log', sourceLog.join('\n')],
      ['the session log', sessionLog.lines.map((l) => l.message).join('\n')],
    ];
    places.push(...fileTexts);
    for (const file of historyFiles()) places.push([`the file ${path.relative(dir.dir, file)} (closed)`, readFileSync(file).toString('latin1')]);
    assert.ok(places.some(([where]) => where.includes('.journal')), `the journal was written: ${places.map(([w]) => w).join(', ')}`);
    const leaks = places.flatMap(([where, text]) => leakedSecrets(text, kubeconfig.forbidden).map((what) => `${what} in ${where}`));
    assert.deepEqual(leaks, []);
  });
});
