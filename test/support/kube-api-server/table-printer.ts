// Server-side printing: the meta.k8s.io Table kubectl asks for with
// "Accept: application/json;as=Table;v=v1;g=meta.k8s.io". Columns come from the resource
// type (KubeVirt's additionalPrinterColumns, the kubelet node printer's columns).
import type { KubeObject } from './kube-object';
import type { ResourceType } from './resource-types';
import { humanDuration } from './kube-time';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableRequest {
  apiVersion: 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1';
  includeObject: IncludeObject;
}

export function columnDefinitions(type: ResourceType) {
  return type.columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority }));
}

function cell(type: ResourceType, index: number, object: KubeObject, nowMs: number): unknown {
  const column = type.columns[index];
  const value = column.cell(object, nowMs);
  if (column.type === 'date') {
    if (typeof value !== 'string' || !value) return '<unknown>';
    return humanDuration(nowMs - Date.parse(value));
  }
  return value;
}

export function tableRow(type: ResourceType, object: KubeObject, request: TableRequest, nowMs = Date.now()) {
  const row: Record<string, unknown> = { cells: type.columns.map((_, i) => cell(type, i, object, nowMs)) };
  if (request.includeObject === 'Object') row.object = object;
  else if (request.includeObject === 'Metadata') {
    row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
  }
  return row;
}

export function table(
  type: ResourceType,
  objects: KubeObject[],
  request: TableRequest,
  listMeta: Record<string, unknown>,
  withColumns = true,
): Record<string, unknown> {
  const nowMs = Date.now();
  const result: Record<string, unknown> = { kind: 'Table', apiVersion: request.apiVersion, metadata: listMeta };
  if (withColumns) result.columnDefinitions = columnDefinitions(type);
  result.rows = objects.map((o) => tableRow(type, o, request, nowMs));
  return result;
}
