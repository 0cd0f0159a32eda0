// The layering rules of README "How it is built", checked on the real import graph: each folder
// may import only the layers below it, nothing outside the source registry knows a cluster kind's
// folder, the browser bundles reach neither `vscode` nor Node, and no modules import each other in
// a cycle. A broken rule fails with the file, the import and the rule it breaks.
import assert from 'node:assert/strict';
import { findCycles, listTypeScriptFiles, readImports, type ModuleImports } from './import-graph';

const modules = listTypeScriptFiles('src', 'webview', 'companion', 'proto').map(readImports);
const byFile = new Map(modules.map((m) => [m.file, m]));

const KIND_FOLDER = /^src\/sources\/([^/]+)\//;
/** The only modules that know the kinds' folders: the factory, and the table of the kinds' traits. */
const SOURCE_REGISTRY = ['src/sources/create-sources.ts', 'src/sources/cluster-kinds.ts'];
/** The kinds' traits as data (phase order, name reuse): what the history may know of kinds. */
const KIND_TRAITS = 'src/sources/cluster-kinds.ts';

const under = (...prefixes: string[]) => (file: string) => prefixes.some((p) => file === p || file.startsWith(p.endsWith('.ts') ? p : `${p}/`));
const isBase = under('src/base');
const isModel = under('src/model');
const isKindNeutralSources = (file: string) => file.startsWith('src/sources/') && !KIND_FOLDER.test(file);
const isProtocol = under('src/protocol');
const isUiCore = (file: string) => file.startsWith('src/ui/') && file.split('/').includes('core');

interface Rule {
  /** The rule as README states it. */
  readonly says: string;
  readonly appliesTo: (file: string) => boolean;
  readonly mayImport: (target: string, from: string) => boolean;
  readonly mayImportExternal?: (name: string) => boolean;
}

const noVscode = (name: string) => name !== 'vscode';
const browserSafe = (name: string) => name !== 'vscode' && !name.startsWith('node:');

const RULES: Rule[] = [
  { says: 'the base layer imports nothing of ours', appliesTo: isBase, mayImport: isBase, mayImportExternal: noVscode },
  { says: 'model imports only base', appliesTo: isModel, mayImport: (t) => isBase(t) || isModel(t), mayImportExternal: noVscode },
  {
    says: 'sources/<kind>/ imports only base, model, the kind-neutral sources/ files and the wire contract, never another kind',
    appliesTo: (f) => KIND_FOLDER.test(f),
    mayImport: (t, f) => isBase(t) || isModel(t) || isKindNeutralSources(t) || t.startsWith('proto/') || KIND_FOLDER.exec(t)?.[1] === KIND_FOLDER.exec(f)?.[1],
    mayImportExternal: noVscode,
  },
  {
    says: 'the kind-neutral sources/ files import only base, model and each other (the registry also the kinds)',
    appliesTo: isKindNeutralSources,
    mayImport: (t, f) => isBase(t) || isModel(t) || isKindNeutralSources(t) || (SOURCE_REGISTRY.includes(f) && KIND_FOLDER.test(t)),
    mayImportExternal: noVscode,
  },
  { says: 'the protocol folder imports only model (and base) types', appliesTo: isProtocol, mayImport: (t) => isBase(t) || isModel(t) || isProtocol(t), mayImportExternal: browserSafe },
  {
    says: "history imports only base, model and the kinds' traits (sources/cluster-kinds.ts)",
    appliesTo: under('src/history'),
    mayImport: (t) => isBase(t) || isModel(t) || t === KIND_TRAITS || t.startsWith('src/history/'),
    mayImportExternal: noVscode,
  },
  {
    says: 'watch imports base, model, the kind-neutral sources and history, never vscode or the VS Code layer',
    appliesTo: under('src/watch'),
    mayImport: (t) => isBase(t) || isModel(t) || isKindNeutralSources(t) || under('src/history', 'src/watch')(t),
    mayImportExternal: noVscode,
  },
  {
    says: 'plans (the planner, the plan document and its runner) import only base, model and the kind-neutral sources, never vscode',
    appliesTo: under('src/plans'),
    mayImport: (t) => isBase(t) || isModel(t) || isKindNeutralSources(t) || t.startsWith('src/plans/'),
    mayImportExternal: noVscode,
  },
  {
    says: "serve (the HTTP API) imports base, model, history and watch's event types, never vscode, the sources or the CLI",
    appliesTo: under('src/serve'),
    mayImport: (t) => isBase(t) || isModel(t) || under('src/history', 'src/watch/watcher-events.ts', 'src/serve')(t),
    mayImportExternal: noVscode,
  },
  {
    says: 'the CLI reuses watch, serve, history, plans and sources, never vscode or the VS Code layer',
    appliesTo: under('src/cli'),
    mayImport: (t) => isBase(t) || isModel(t) || isKindNeutralSources(t) || under('src/history', 'src/watch', 'src/serve', 'src/plans', 'src/cli', 'package.json')(t),
    mayImportExternal: noVscode,
  },
  {
    says: "a feature's vscode-free core (src/ui/*/core/) never imports vscode, nor the adapters around it",
    appliesTo: isUiCore,
    mayImport: (t) => !t.startsWith('src/ui/') || isUiCore(t),
    mayImportExternal: noVscode,
  },
  {
    says: 'nothing outside the source registry imports sources/<kind>/',
    appliesTo: (f) => f.startsWith('src/') && !f.startsWith('src/sources/'),
    mayImport: (t) => !KIND_FOLDER.test(t),
  },
  {
    says: 'the webviews import only the protocol, model and base, and never vscode or Node',
    appliesTo: under('webview'),
    mayImport: (t) => isBase(t) || isModel(t) || isProtocol(t) || t.startsWith('webview/'),
    mayImportExternal: browserSafe,
  },
  {
    says: 'the companion daemon is not the extension: it never imports vscode or src/ beyond base and model',
    appliesTo: under('companion'),
    mayImport: (t) => !t.startsWith('src/') || isBase(t) || isModel(t),
    mayImportExternal: noVscode,
  },
];

/** Every rule broken in these modules, as "file imports target: rule". */
function layeringViolations(graph: readonly ModuleImports[]): string[] {
  const broken: string[] = [];
  for (const m of graph) {
    for (const rule of RULES) {
      if (!rule.appliesTo(m.file)) continue;
      for (const target of m.local) if (!rule.mayImport(target, m.file)) broken.push(`${m.file} imports ${target}: ${rule.says}`);
      for (const name of m.external) if (rule.mayImportExternal && !rule.mayImportExternal(name)) broken.push(`${m.file} imports '${name}': ${rule.says}`);
    }
  }
  return broken;
}

/** The browser bundles must not reach vscode or Node through anything they import, however far down. */
function browserClosureViolations(entries: readonly string[]): string[] {
  const broken: string[] = [];
  const seen = new Set<string>();
  const walk = (file: string, via: string[]): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const m = byFile.get(file);
    if (!m) return;
    for (const name of m.external) if (!browserSafe(name)) broken.push(`${[...via, file].join(' → ')} imports '${name}'`);
    for (const target of m.local) walk(target, [...via, file]);
  };
  for (const entry of entries) walk(entry, []);
  return broken;
}

describe('layering (README "How it is built")', () => {
  it('reads the whole import graph', () => {
    // A guard against a walk that silently finds nothing: these modules and edges exist.
    assert.ok(modules.length > 200, `only ${modules.length} modules found`);
    assert.ok(byFile.get('src/extension.ts')?.external.includes('vscode'));
    assert.ok(byFile.get('src/sources/create-sources.ts')?.local.some((t) => KIND_FOLDER.test(t)));
  });

  it('every module imports only what its layer may', () => {
    assert.deepEqual(layeringViolations(modules), []);
  });

  it('the webview bundles reach neither vscode nor Node, however far down', () => {
    const entries = modules.map((m) => m.file).filter((f) => f.startsWith('webview/'));
    assert.ok(entries.length >= 5);
    assert.deepEqual(browserClosureViolations(entries), []);
  });

  it('no modules import each other in a cycle (type-only imports count)', () => {
    const graph = new Map(modules.map((m) => [m.file, m.local]));
    assert.deepEqual(findCycles(graph).map((c) => c.join(' ↔ ')), []);
  });

  it('the check itself catches a broken rule', () => {
    // Each of these edges breaks one rule; a rule table that accepts any of them is not a check.
    const wrong: ModuleImports[] = [
      { file: 'src/base/x.ts', local: ['src/model/cluster.ts'], external: [] },
      { file: 'src/model/x.ts', local: ['src/watch/migration-watcher.ts'], external: [] },
      { file: 'src/sources/kubevirt/x.ts', local: ['src/sources/blixard/blixard-source.ts'], external: [] },
      { file: 'src/protocol/x.ts', local: ['src/history/index.ts'], external: ['node:fs'] },
      { file: 'src/watch/x.ts', local: [], external: ['vscode'] },
      { file: 'src/plans/x.ts', local: ['src/watch/migration-watcher.ts'], external: ['vscode'] },
      { file: 'src/ui/clusters/core/x.ts', local: [], external: ['vscode'] },
      { file: 'src/ui/clusters/x.ts', local: ['src/sources/kubevirt/kubevirt-source.ts'], external: [] },
      { file: 'webview/dialog/x.ts', local: ['src/ui/dialog/core/vm-reference.ts'], external: [] },
    ];
    const broken = layeringViolations(wrong);
    for (const m of wrong) assert.ok(broken.some((line) => line.startsWith(m.file)), `${m.file}'s wrong import was not caught`);
    assert.deepEqual(findCycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])), [['a', 'b', 'c']]);
  });
});
