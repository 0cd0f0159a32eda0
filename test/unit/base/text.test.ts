import { strict as assert } from 'node:assert';
import { flattenControlCharacters, hasControlCharacters } from '../../../src/base/text';

const char = (code: number) => String.fromCharCode(code);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Every character the class holds, by name, so a failure says which one slipped through. */
const CONTROL: Array<[string, number[]]> = [
  ['C0', range(0x00, 0x1f)],
  ['DEL', [0x7f]],
  ['C1', range(0x80, 0x9f)],
  ['line and paragraph separators', [0x2028, 0x2029]],
  ['bidi embeddings and overrides', range(0x202a, 0x202e)],
  ['bidi isolates', range(0x2066, 0x2069)],
];

/** Just outside each range, and characters a name may well hold. */
const ORDINARY = [0x20, 0x7e, 0xa0, 0xa9, 0x200b, 0x200e, 0x200f, 0x2027, 0x202f, 0x2065, 0x206a, 0xfeff, 0xfffd, 0x05d0, 0x0627, 0x4e2d];

describe('base text: control characters', () => {
  for (const [name, codes] of CONTROL) {
    it(`flattens and detects every ${name} character`, () => {
      for (const code of codes) {
        const hex = `U+${code.toString(16).padStart(4, '0')}`;
        assert.equal(flattenControlCharacters(`a${char(code)}b`), 'a b', hex);
        assert.equal(hasControlCharacters(`a${char(code)}b`), true, hex);
      }
    });
  }

  it('leaves every other character alone, just outside each range too', () => {
    for (const code of ORDINARY) {
      const text = `a${char(code)}b`;
      assert.equal(flattenControlCharacters(text), text, `U+${code.toString(16)}`);
      assert.equal(hasControlCharacters(text), false, `U+${code.toString(16)}`);
    }
    assert.equal(flattenControlCharacters('prod/db-0 → node03 · 🚀'), 'prod/db-0 → node03 · 🚀');
  });

  it('turns a run of them into one space, so a forged line or escape sequence reads as one gap', () => {
    assert.equal(flattenControlCharacters('vm\r\n\u001b[2Kok'), 'vm [2Kok');
    assert.equal(flattenControlCharacters('vm\u2028\u202e\u0085x'), 'vm x');
    assert.equal(flattenControlCharacters('\n\n'), ' ');
    assert.equal(flattenControlCharacters(''), '');
  });

  it('gives the same answer on every call (no regex state kept between texts)', () => {
    for (let i = 0; i < 3; i++) {
      assert.equal(hasControlCharacters('a\nb'), true);
      assert.equal(flattenControlCharacters('a\nb'), 'a b');
    }
  });
});
