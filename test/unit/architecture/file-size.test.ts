// Each source file is one thing a newcomer can name (issue 11, item 6): past about 400 lines a
// file has usually grown a second component. A file may stay longer only when it is one
// cohesive thing, named here in a sentence, so the exception is a decision someone made.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { listTypeScriptFiles, REPO_ROOT } from './import-graph';

const LIMIT = 420;

/** Files allowed past the limit, each with the sentence that names the one thing it is. */
const COHESIVE: Readonly<Record<string, string>> = {};

/** Generated from proto/blixard.proto by `npm run gen:wire`, not written by hand. */
const isGenerated = (file: string) => file.startsWith('proto/gen/');

function lineCount(file: string): number {
  return readFileSync(path.join(REPO_ROOT, file), 'utf8').split('\n').length;
}

describe('source file size', () => {
  it(`no file in src/, webview/ or companion/ is over ${LIMIT} lines unless it is named as one cohesive thing`, () => {
    const files = listTypeScriptFiles('src', 'webview', 'companion', 'proto').filter((f) => !isGenerated(f));
    assert.ok(files.length > 100, `expected the repository's sources, found ${files.length} files`);
    const tooLong = files.map((f) => ({ f, lines: lineCount(f) })).filter(({ f, lines }) => lines > LIMIT && !(f in COHESIVE));
    assert.deepEqual(
      tooLong.map(({ f, lines }) => `${f}: ${lines} lines`),
      [],
      'split these (or, if one truly is a single thing, name it in COHESIVE with a sentence)',
    );
  });

  it('names in COHESIVE only files that exist and are past the limit', () => {
    for (const [file, sentence] of Object.entries(COHESIVE)) {
      assert.ok(sentence.length > 20, `${file}: say what the one thing is`);
      assert.ok(lineCount(file) > LIMIT, `${file} is within the limit now: take it out of COHESIVE`);
    }
  });
});
