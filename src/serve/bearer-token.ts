// The bearer token of `serve --token-file`: read once, registered with the secret scrubber (so no
// log line, error or output can show it), and compared in constant time — both sides hashed
// first, so neither the length nor a common prefix shows in how long a refusal takes.

import { createHash, timingSafeEqual } from 'node:crypto';
import { lstatSync, readFileSync } from 'node:fs';
import { secretRegistry } from '../base/secret-registry';
import { hasControlCharacters } from '../base/text';

export const MIN_TOKEN_LENGTH = 16;
const MAX_TOKEN_FILE_BYTES = 4096;

export class BearerToken {
  private readonly digest: Buffer;

  constructor(token: string) {
    if (token.length < MIN_TOKEN_LENGTH) throw new Error(`the token is shorter than ${MIN_TOKEN_LENGTH} characters (make one with: openssl rand -hex 32)`);
    if (/\s/.test(token) || hasControlCharacters(token)) throw new Error('the token holds white space or a control character');
    secretRegistry.add(token);
    this.digest = sha256(token);
  }

  /** Reads FILE: one line, trailing newline ignored. Says (without the token) what is wrong. */
  static fromFile(file: string, warn: (message: string) => void): BearerToken {
    const stat = lstatSync(file, { throwIfNoEntry: false });
    if (!stat) throw new Error(`${file} does not exist`);
    if (!stat.isFile()) throw new Error(`${file} is not a regular file`);
    if (stat.size > MAX_TOKEN_FILE_BYTES) throw new Error(`${file} is larger than ${MAX_TOKEN_FILE_BYTES} bytes: not a token file`);
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) warn(`${file} can be read by other users (mode ${(stat.mode & 0o777).toString(8)}); chmod 600 it`);
    const text = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    return new BearerToken(text);
  }

  /** Whether an Authorization header carries this token ("Bearer <token>", the scheme in any case). */
  accepts(header: string | string[] | undefined): boolean {
    if (typeof header !== 'string') return false;
    const match = /^bearer +(\S+) *$/i.exec(header);
    // Hashed whatever came, so a refusal costs the same either way.
    const given = sha256(match?.[1] ?? '');
    return timingSafeEqual(given, this.digest) && match !== null;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
