// The JSON schema (schemas/blixard-plan.schema.json, for the YAML extension's completion) says
// the same as our own parser: the same fields, the same kinds and modes, the same defaults.

import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ENTRY_FIELDS, TOP_FIELDS } from '../../../src/plans/plan-document-parser';
import { DEFAULT_CONCURRENCY } from '../../../src/plans/plan-types';

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  enum?: string[];
  default?: unknown;
  required?: string[];
}

const schema = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'schemas', 'blixard-plan.schema.json'), 'utf8')) as SchemaNode;

describe('plan document schema', () => {
  it('has the fields the parser reads, no more and no fewer', () => {
    assert.deepEqual(Object.keys(schema.properties!).sort(), [...TOP_FIELDS].sort());
    assert.deepEqual(Object.keys(schema.properties!.entries.items!.properties!).sort(), [...ENTRY_FIELDS].sort());
  });

  it('has the kinds, modes and defaults of the code', () => {
    assert.deepEqual(schema.properties!.kind.enum, ['evacuate', 'migrate', 'rebalance']);
    assert.deepEqual(schema.properties!.entries.items!.properties!.mode.enum, ['live', 'cold']);
    assert.equal(schema.properties!.concurrency.properties!.perCluster.default, DEFAULT_CONCURRENCY.perCluster);
    assert.equal(schema.properties!.concurrency.properties!.perSourceNode.default, DEFAULT_CONCURRENCY.perSourceNode);
    assert.deepEqual(schema.required, ['version', 'cluster', 'kind', 'entries']);
  });
});
