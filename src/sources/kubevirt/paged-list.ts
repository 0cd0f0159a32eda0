// Lists a whole collection a page at a time (`limit` + `continue`), each page with its own
// deadline, and returns its items by key with the resource version to watch from. An answer
// that is not a list is refused without quoting it (a body may echo credentials).

import type { KubeClient } from './kube-client';
import { KubeAnswerError } from './kube-error';
import type { KubeList, KubeObject } from './kube-objects';
import { objectKey } from './kube-objects';

export interface ListRequest {
  client: KubeClient;
  path: string;
  /** Plural resource name, for messages. */
  resource: string;
  pageSize: number;
  listTimeoutMs: number;
}

export interface ListedCollection<T> {
  items: Map<string, T>;
  resourceVersion: string;
}

/**
 * Undefined when `live()` turned false between pages (the informer moved on). `nameless` hears
 * of each item without a name, which is skipped.
 */
export async function listCollection<T extends KubeObject>(request: ListRequest, live: () => boolean, nameless: (item: T) => void): Promise<ListedCollection<T> | undefined> {
  const items = new Map<string, T>();
  let continueToken: string | undefined;
  let resourceVersion = '';
  do {
    const page = await request.client.request<KubeList<T>>('GET', request.path, {
      query: { limit: request.pageSize, continue: continueToken },
      timeoutMs: request.listTimeoutMs,
    });
    if (!live()) return undefined;
    if (!page || !Array.isArray(page.items)) throw new KubeAnswerError(`the server's answer is not a list of ${request.resource}: ${describeNonList(page)}`);
    for (const item of page.items) {
      const key = item && typeof item === 'object' ? objectKey(item) : undefined;
      if (!key) nameless(item);
      else items.set(key, item);
    }
    resourceVersion = page.metadata?.resourceVersion ?? '';
    continueToken = page.metadata?.continue || undefined;
  } while (continueToken);
  return { items, resourceVersion };
}

/** What came instead of a list, without quoting it (a body may echo credentials). */
function describeNonList(answer: unknown): string {
  if (answer === undefined) return 'the body was empty';
  if (answer === null || typeof answer !== 'object') return `it is ${answer === null ? 'null' : `a JSON ${typeof answer}`}`;
  if (Array.isArray(answer)) return 'it is a JSON array, not an object with items';
  const fields = Object.keys(answer).slice(0, 6).map((k) => k.slice(0, 40));
  return fields.length === 0 ? 'it is an empty JSON object' : `it has no items array (fields: ${fields.join(', ')}${Object.keys(answer).length > 6 ? ', …' : ''})`;
}
