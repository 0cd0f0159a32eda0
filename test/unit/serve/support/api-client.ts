// A small HTTP(S) client for the serve tests, over a real socket, that checks every answer it
// gets against the server's OpenAPI document (JSON Schema 2020-12 by ajv): the response's status
// must be documented for the route, and its JSON body must match the documented schema.

import { strict as assert } from 'node:assert';
import http from 'node:http';
import https from 'node:https';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { OPENAPI_DOCUMENT } from '../../../../src/serve/openapi-document';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: unknown;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  ca?: string;
  /** Skip the OpenAPI check (a request the document cannot describe: a raw malformed URL). */
  unchecked?: boolean;
}

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>> };
const doc = OPENAPI_DOCUMENT as unknown as Doc;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'openapi', components: OPENAPI_DOCUMENT.components } as object);

/** The documented path template a concrete path answers to (static segments before parameters, as the router does). */
function templateOf(path: string): string | undefined {
  const templates = Object.keys(doc.paths).sort((a, b) => b.split('{').length - a.split('{').length).reverse();
  for (const t of templates) {
    const re = new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (re.test(path)) return t;
  }
  return undefined;
}

const validators = new Map<string, ReturnType<typeof ajv.compile>>();
let checked = 0;

/** How many answers were validated against the document (the suite asserts it grew). */
export function validatedAnswers(): number {
  return checked;
}

export function checkAgainstOpenApi(path: string, answer: Answer): void {
  const template = templateOf(path.split('?')[0]);
  if (!template) {
    assert.equal(answer.status === 404 || answer.status === 401 || answer.status === 429 || answer.status === 400, true, `${path}: an undocumented path answered ${answer.status}`);
    if (answer.status !== 404 && answer.status !== 400) return;
    validate('#/components/schemas/Error', answer, path);
    return;
  }
  const responses = doc.paths[template].get.responses;
  const documented = responses[String(answer.status)];
  // 404 (a path that does not exist under a template, e.g. an id route with no such id) and 405 answer every route.
  if (!documented) {
    assert.ok([404, 405, 400].includes(answer.status), `${path} (${template}): status ${answer.status} is not documented`);
    validate('#/components/schemas/Error', answer, path);
    return;
  }
  const json = documented.content?.['application/json'];
  if (!json || answer.status === 304) return;
  const schema = json.schema as { $ref?: string };
  if (schema.$ref) validate(schema.$ref, answer, path);
  else checked++;
}

function validate(ref: string, answer: Answer, path: string): void {
  const key = `openapi${ref}`;
  let v = validators.get(key);
  if (!v) {
    v = ajv.getSchema(key) ?? ajv.compile({ $ref: key });
    validators.set(key, v);
  }
  assert.ok(v(answer.json), `${path} → ${answer.status}: the body does not match ${ref}: ${ajv.errorsText(v.errors)}\n${answer.text.slice(0, 500)}`);
  checked++;
}

export function request(url: string, options: RequestOptions = {}): Promise<Answer> {
  const target = new URL(url);
  const lib = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      { hostname: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: options.method ?? 'GET', headers: options.headers, ...(options.ca ? { ca: options.ca } : {}), agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          if (/json/.test(String(res.headers['content-type'])) && text.length > 0) json = JSON.parse(text);
          const answer = { status: res.statusCode ?? 0, headers: res.headers, text, json };
          try {
            if (!options.unchecked && options.method !== 'HEAD') checkAgainstOpenApi(target.pathname, answer);
            resolve(answer);
          } catch (err) {
            reject(err as Error);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
