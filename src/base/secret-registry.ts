// The one scrubber of credentials: every text that can reach a log line, the tree, a
// notification, the dialog, the history or the CLI's output goes through scrubSecrets(). It
// removes the secrets this process knows by VALUE (sources register each token, password, Basic
// credential, client key and exec-plugin answer as they read it — a server may echo one in plain
// words, in base64 or URL-encoded) and, for secrets it was never told about, known SHAPES
// (Authorization headers, kubeconfig fields, PEM blocks, JWTs, credentials in URLs).
// Process-wide and vscode-free, so the extension, the CLI and every source share one memory.

/** What a scrubbed secret reads as, whichever way it was found. */
export const REDACTED = '[redacted]';

/** Values shorter than this are not scrubbed by value: they would take ordinary words with them (shapes still apply). */
export const MIN_SECRET_LENGTH = 8;

/** Kept per process; a rotating exec-plugin token adds one a rotation, so the oldest go first past this. */
const DEFAULT_MAX_VALUES = 4096;

const SHAPES: Array<[RegExp, string]> = [
  // PEM blocks (client keys, certificates pasted into errors), also when cut before their end:
  // the body is base64, line breaks (real or JSON-escaped) and encrypted-key headers, so a cut
  // block ends where other text starts and does not take the rest of a document with it.
  [/-----BEGIN [A-Z0-9 ]+-----(?:[A-Za-z0-9+/=\s:,]|\\[nr]|-(?!----END))*(?:-----END [A-Z0-9 ]+-----)?/g, REDACTED],
  // Authorization / Proxy-Authorization headers in any quoting.
  [/((?:proxy-)?authorization["']?\s*[:=]\s*["']?)[^"',}\r\n]+/gi, `$1${REDACTED}`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/=]+/g, `$1 ${REDACTED}`],
  // kubeconfig fields and JSON/query fields holding secrets.
  [
    /((?:client-key-data|client-certificate-data|token|id-token|refresh-token|access[-_]token|password|client-secret|secret)["']?\s*[:=]\s*["']?)[^"'\s,&}]+/gi,
    `$1${REDACTED}`,
  ],
  // Credentials embedded in URLs.
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, `$1${REDACTED}@`],
  // JWTs wherever they appear.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+/g, REDACTED],
];

export class SecretRegistry {
  /** Every spelling to scrub (the value and its encodings), oldest first. */
  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;
  private dirty = false;

  constructor(private readonly maxValues = DEFAULT_MAX_VALUES) {}

  /** How many spellings are known (for tests; the values themselves are never handed out). */
  get size(): number {
    return this.values.size;
  }

  /**
   * A secret as read: a token, a password, an exec plugin's answer, a file's contents. Its
   * base64, base64url, URL-encoded and JSON-escaped spellings are scrubbed too. Too short or
   * empty values are ignored.
   */
  add(value: string | Uint8Array | null | undefined): void {
    if (value === null || value === undefined) return;
    const text = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
    for (const candidate of new Set([text, text.trim()])) {
      if (candidate.length < MIN_SECRET_LENGTH) continue;
      const base64 = Buffer.from(candidate, 'utf8').toString('base64');
      this.remember(candidate);
      this.remember(base64);
      this.remember(base64.replace(/=+$/, ''));
      this.remember(Buffer.from(candidate, 'utf8').toString('base64url'));
      this.remember(encodeURIComponent(candidate));
      this.remember(JSON.stringify(candidate).slice(1, -1));
    }
  }

  /** HTTP Basic credentials: the password, and `user:password` (whose base64 is the header's value). */
  addBasicCredentials(username: string | undefined, password: string | undefined): void {
    if (!password) return;
    this.add(password);
    this.add(`${username ?? ''}:${password}`);
  }

  /**
   * Key material (a PEM file or kubeconfig key data): the whole text, and each PEM block's body,
   * joined and line by line, so an echo that lost the armour or the line breaks is still caught.
   */
  addKeyMaterial(material: string | Uint8Array | null | undefined): void {
    if (material === null || material === undefined) return;
    const text = typeof material === 'string' ? material : Buffer.from(material).toString('utf8');
    this.add(text);
    for (const block of text.matchAll(/-----BEGIN [A-Z0-9 ]+-----([\s\S]*?)-----END [A-Z0-9 ]+-----/g)) {
      const lines = block[1]
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.includes(':')); // "Proc-Type: …" headers of encrypted keys are not secret
      this.add(lines.join(''));
      for (const line of lines) this.add(line);
    }
  }

  /** The text with every known secret and every secret-shaped part replaced by [redacted]. */
  scrub(text: string): string {
    if (typeof text !== 'string' || text === '') return text;
    let result = text;
    const pattern = this.currentPattern();
    if (pattern) result = result.replace(pattern, REDACTED);
    for (const [shape, replacement] of SHAPES) result = result.replace(shape, replacement);
    return result;
  }

  /** Forgets every value (tests). */
  clear(): void {
    this.values.clear();
    this.pattern = undefined;
    this.dirty = false;
  }

  private remember(spelling: string): void {
    if (spelling.length < MIN_SECRET_LENGTH) return;
    if (this.values.has(spelling)) {
      // Seen again: now the newest, so a secret still in use is not the first to be forgotten.
      this.values.delete(spelling);
      this.values.add(spelling);
      return;
    }
    this.values.add(spelling);
    while (this.values.size > this.maxValues) this.values.delete(this.values.values().next().value as string);
    this.dirty = true;
  }

  private currentPattern(): RegExp | undefined {
    if (this.dirty) {
      this.dirty = false;
      // Longest first, so a value that contains another is replaced whole.
      const sorted = [...this.values].sort((a, b) => b.length - a.length);
      this.pattern = sorted.length > 0 ? new RegExp(sorted.map(escapeRegExp).join('|'), 'g') : undefined;
    }
    return this.pattern;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** The process's registry: sources add to it as they read credentials; every output scrubs through it. */
export const secretRegistry = new SecretRegistry();

/** Known secrets (by value) and secret-shaped text removed. The one function every output path calls. */
export function scrubSecrets(text: string): string {
  return secretRegistry.scrub(text);
}
