// The two patch formats custom resources accept: JSON Patch (RFC 6902, what client-node
// sends by default) and JSON Merge Patch (RFC 7386). Errors become 422/400 Statuses.
import { badRequest, failure } from './status-errors';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export function applyMergePatch(target: Json, patch: Json): Json {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch);
  const out: Json = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}

function decodePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw badRequest(`the server rejected our request due to an error in our request: invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function unprocessable(message: string) {
  return failure(422, 'Invalid', message);
}

function parentOf(doc: Json, tokens: string[], op: string): { parent: Json; key: string } {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    if (node === null || typeof node !== 'object' || !(token in node)) {
      throw unprocessable(`the server rejected our request due to an error in our request: ${op} operation does not apply: doc is missing path: "/${tokens.join('/')}": missing value`);
    }
    node = node[token];
  }
  return { parent: node, key: tokens[tokens.length - 1] };
}

export function applyJsonPatch(document: Json, operations: Json): Json {
  if (!Array.isArray(operations)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = structuredClone(document);
  for (const op of operations) {
    const kind = op?.op;
    const tokens = decodePointer(String(op?.path ?? ''));
    if (kind === 'test') {
      const { parent, key } = tokens.length ? parentOf(doc, tokens, 'test') : { parent: { '': doc }, key: '' };
      const actual = Array.isArray(parent) ? parent[Number(key)] : parent?.[key];
      if (JSON.stringify(actual ?? null) !== JSON.stringify(op.value ?? null)) {
        throw unprocessable(`the server rejected our request due to an error in our request: testing value /${tokens.join('/')} failed: test failed`);
      }
      continue;
    }
    if (tokens.length === 0) {
      if (kind === 'add' || kind === 'replace') { doc = structuredClone(op.value); continue; }
      throw unprocessable(`the server rejected our request due to an error in our request: unsupported operation on document root: ${kind}`);
    }
    const { parent, key } = parentOf(doc, tokens, kind);
    switch (kind) {
      case 'add':
        if (Array.isArray(parent)) {
          const index = key === '-' ? parent.length : Number(key);
          if (!Number.isInteger(index) || index < 0 || index > parent.length) throw unprocessable(`the server rejected our request due to an error in our request: add operation does not apply: index out of bounds`);
          parent.splice(index, 0, structuredClone(op.value));
        } else parent[key] = structuredClone(op.value);
        break;
      case 'replace':
      case 'remove': {
        const exists = Array.isArray(parent) ? Number(key) < parent.length : parent !== null && typeof parent === 'object' && key in parent;
        if (!exists) throw unprocessable(`the server rejected our request due to an error in our request: ${kind} operation does not apply: doc is missing path: "/${tokens.join('/')}": missing value`);
        if (kind === 'remove') { if (Array.isArray(parent)) parent.splice(Number(key), 1); else delete parent[key]; }
        else if (Array.isArray(parent)) parent[Number(key)] = structuredClone(op.value); else parent[key] = structuredClone(op.value);
        break;
      }
      case 'move':
      case 'copy': {
        const fromTokens = decodePointer(String(op.from ?? ''));
        const from = parentOf(doc, fromTokens, kind);
        const value = structuredClone(Array.isArray(from.parent) ? from.parent[Number(from.key)] : from.parent?.[from.key]);
        if (kind === 'move') { if (Array.isArray(from.parent)) from.parent.splice(Number(from.key), 1); else delete from.parent[from.key]; }
        doc = applyJsonPatch(doc, [{ op: 'add', path: op.path, value }]);
        break;
      }
      default:
        throw unprocessable(`the server rejected our request due to an error in our request: Unexpected kind: ${kind}`);
    }
  }
  return doc;
}
