// Reads the Accept header the way the apiserver does for the three answers this server can
// give: a plain JSON object, a meta.k8s.io Table (kubectl's server-side printing), or
// PartialObjectMetadata. Protobuf-only requests are refused with 406.
import { failure } from './status-errors';

export type Representation =
  | { kind: 'json' }
  | { kind: 'table'; apiVersion: 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1' }
  | { kind: 'partial'; apiVersion: 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1' };

export function negotiate(accept: string | undefined): Representation {
  if (!accept) return { kind: 'json' };
  for (const clause of accept.split(',')) {
    const [rawType, ...rawParams] = clause.split(';').map((s) => s.trim());
    const type = rawType.toLowerCase();
    const params = Object.fromEntries(rawParams.map((p) => { const i = p.indexOf('='); return [p.slice(0, i).trim(), p.slice(i + 1).trim()]; }));
    if (type !== 'application/json' && type !== '*/*' && type !== 'application/*') continue;
    if (!params.as) return { kind: 'json' };
    if (params.g !== 'meta.k8s.io' || (params.v !== 'v1' && params.v !== 'v1beta1')) continue;
    const apiVersion = `meta.k8s.io/${params.v}` as 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1';
    if (params.as === 'Table') return { kind: 'table', apiVersion };
    if (params.as === 'PartialObjectMetadata' || params.as === 'PartialObjectMetadataList') return { kind: 'partial', apiVersion };
  }
  throw failure(406, 'NotAcceptable', `only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io`);
}
