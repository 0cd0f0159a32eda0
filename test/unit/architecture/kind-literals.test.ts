// Issue 11, item 1: what differs between kinds of cluster is data the kind declares
// (ClusterKindTraits), so no code outside a kind's own folder, the source factory and the spec
// shapes it plans may name a kind. A kind's name as a string literal anywhere else — a branch
// (`kind === 'kubevirt'`), a literal type, a spec built by hand — fails here with file and line.
// Ids that merely start with the word ('blixard.migrateVm', 'blixard:prod') are not kind names.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT, listTypeScriptFiles } from './import-graph';

/** The kinds are the folders under src/sources/: a new kind's name is checked as soon as its folder exists. */
const KINDS = readdirSync(path.join(REPO_ROOT, 'src/sources')).filter((e) => statSync(path.join(REPO_ROOT, 'src/sources', e)).isDirectory());

/** Where a kind may be named, and why. */
const ALLOWED: readonly { readonly file: RegExp; readonly why: string }[] = [
  { file: /^src\/sources\/[^/]+\//, why: "a kind's own folder" },
  { file: /^src\/sources\/create-sources\.ts$/, why: 'the factory: plans specs from settings and builds the source of each kind' },
  { file: /^src\/sources\/cluster-registry\.ts$/, why: 'the registry of sources' },
  { file: /^src\/sources\/cluster-kinds\.ts$/, why: "the table of the kinds' traits" },
  { file: /^src\/sources\/cluster-spec\.ts$/, why: 'the spec shapes the factory plans, one per kind' },
];

export interface KindLiteral {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

/** A call whose first argument names something else that happens to be spelt like a kind: the `blixard.*` settings section. */
function isConfigurationSection(node: ts.Node): boolean {
  const call = node.parent;
  if (!call || !ts.isCallExpression(call) || call.arguments[0] !== node) return false;
  const callee = call.expression;
  const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : '';
  return name === 'getConfiguration';
}

/** Inside `type ClusterKind = …`: the kind type's own declaration may list the kinds. */
function isInClusterKindDeclaration(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node; n; n = n.parent) if (ts.isTypeAliasDeclaration(n) && n.name.text === 'ClusterKind') return true;
  return false;
}

/** Every string literal in `text` that is exactly a kind's name and is not one of the exceptions above. */
export function kindLiterals(file: string, text: string, kinds: readonly string[] = KINDS): KindLiteral[] {
  const sourceFile = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: KindLiteral[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && kinds.includes(node.text) && !isConfigurationSection(node) && !isInClusterKindDeclaration(node)) {
      const { line } = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
      found.push({ file, line: line + 1, text: text.split('\n')[line].trim() });
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

describe('cluster kinds are capabilities, not names (issue 11, item 1)', () => {
  it('knows the kinds from the folders under src/sources', () => {
    assert.ok(KINDS.includes('blixard') && KINDS.includes('kubevirt'), `kinds found: ${KINDS.join(', ')}`);
  });

  it('no kind is named outside its folder, the source factory and registry, and the spec shapes', () => {
    const checked = listTypeScriptFiles('src', 'webview').filter((file) => !ALLOWED.some((a) => a.file.test(file)));
    assert.ok(checked.length > 100, `only ${checked.length} files checked`);
    const found = checked.flatMap((file) => kindLiterals(file, readFileSync(path.join(REPO_ROOT, file), 'utf8')));
    assert.deepEqual(
      found.map((f) => `${f.file}:${f.line}: ${f.text}`),
      [],
      'branch on a trait (ClusterKindTraits, source.traits, the dialog state\'s cluster.traits) or ask the kind (sources/cluster-kinds.ts) instead',
    );
  });

  it('the check itself finds a branch on a kind and lets ids, settings and comments be', () => {
    const text = [
      "if (source.kind === 'kubevirt') live = true;", // 1: a branch
      'const show = s.cluster.kind === "blixard";', // 2: double quotes
      'type Kind = `blixard` | number;', // 3: a literal type, as a template
      "const config = vscode.workspace.getConfiguration('blixard');", // 4: the settings section
      "register('blixard.migrateVm', run); const id = `blixard:${name}`;", // 5: ids that start with the word
      "// kind === 'kubevirt' in a comment", // 6
      "export type ClusterKind = 'blixard' | 'kubevirt';", // 7: the kind type's declaration
      "const label = 'Blixard';", // 8: a display word
    ].join('\n');
    assert.deepEqual(
      kindLiterals('x.ts', text, ['blixard', 'kubevirt']).map((f) => f.line),
      [1, 2, 3],
    );
  });
});
