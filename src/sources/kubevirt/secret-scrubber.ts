// Removes credentials from any text before it reaches a log line or an error message: error
// strings from HTTP stacks, exec plugins and TLS can echo headers, tokens and key material.

const REDACTED = '[redacted]';

const PATTERNS: Array<[RegExp, string]> = [
  // PEM blocks (client keys, certificates pasted into errors).
  [/-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)/g, REDACTED],
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

export function scrubSecrets(text: string): string {
  let result = text;
  for (const [pattern, replacement] of PATTERNS) result = result.replace(pattern, replacement);
  return result;
}
