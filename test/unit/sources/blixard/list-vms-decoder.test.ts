// ListVms answers are read by our own decoder (list-vms-decoder.ts) instead of proto-loader's:
// its objects must be what proto-loader's deserializer gives for the same bytes — every field,
// defaults, names of enum values (and numbers it does not name), 64-bit node ids, metadata maps,
// non-ASCII text, fields this build does not know — and a cut-off message must be refused.

import { strict as assert } from 'node:assert';
import path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import { BLIXARD_PROTO_LOADER_OPTIONS } from '../../../../proto/wire-options';
import { decodeListVmsResponse } from '../../../../src/sources/blixard/list-vms-decoder';

const PROTO = path.resolve(__dirname, '../../../../proto/blixard.proto');

describe('Blixard ListVms decoder', () => {
  const definition = protoLoader.loadSync(PROTO, BLIXARD_PROTO_LOADER_OPTIONS);
  const method = (definition['blixard.ClusterService'] as protoLoader.ServiceDefinition).ListVms;
  const encode = (value: object) => method.responseSerialize(value as never);
  // Protobuf's encoding by hand, for what a serializer of this proto never writes (fields it does not have).
  const varint = (n: bigint): number[] => {
    const out: number[] = [];
    for (; n >= 0x80n; n >>= 7n) out.push(Number(n & 0x7fn) | 0x80);
    return [...out, Number(n)];
  };
  const tag = (field: number, wireType: number) => varint(BigInt((field << 3) | wireType));
  const delimited = (field: number, bytes: number[]) => [...tag(field, 2), ...varint(BigInt(bytes.length)), ...bytes];
  const text = (s: string) => [...Buffer.from(s)];

  it('gives what proto-loader gives, field for field', () => {
    const cases: object[] = [
      { vms: [] },
      { vms: [{}] },
      {
        vms: [
          { name: 'vm-1', state: 3, nodeId: '2', vcpus: 4, memoryMb: 8192, ipAddress: '10.0.0.7', stateMessage: '', metadata: {} },
          { name: 'vm-é-中文-🚀', state: 6, nodeId: '18446744073709551615', vcpus: 4294967295, memoryMb: 1, stateMessage: "VM 'x' died: SIGKILL", metadata: { 'blixard.io/priority': '5', '': 'empty key', k: '' } },
          { name: 'odd', state: 42, nodeId: '9007199254740993' },
          { name: 'big', nodeId: '562949953421312' },
          { name: 'neg', state: -1, nodeId: '1' },
        ],
      },
      { vms: Array.from({ length: 300 }, (_, i) => ({ name: `vm-${i}`, state: i % 7, nodeId: String(i % 10), vcpus: i, memoryMb: i * 512, ipAddress: `10.0.${i >> 8}.${i & 255}`, metadata: i % 3 ? { a: `${i}` } : {} })) },
    ];
    for (const value of cases) {
      const bytes = encode(value);
      assert.deepStrictEqual(decodeListVmsResponse(bytes), method.responseDeserialize(bytes), JSON.stringify(value).slice(0, 200));
    }
  });

  it('skips fields it does not know, as proto-loader does', () => {
    const vm = [
      ...delimited(1, text('vm-1')),
      ...tag(50, 0), ...varint(123456789012345n), // unknown varint
      ...tag(51, 1), 7, 0, 0, 0, 0, 0, 0, 0, // unknown 64-bit
      ...tag(52, 5), 7, 0, 0, 0, // unknown 32-bit
      ...delimited(53, text('junk')), // unknown length-delimited
      ...tag(3, 0), ...varint(12n),
    ];
    const bytes = Buffer.from([...delimited(1, vm), ...delimited(9, text('a field ListVmsResponse does not have'))]);
    assert.deepStrictEqual(decodeListVmsResponse(bytes), method.responseDeserialize(bytes));
  });

  it('refuses a message cut off in the middle', () => {
    const bytes = encode({ vms: [{ name: 'vm-1', stateMessage: 'a long enough reason', nodeId: '3' }] });
    for (const cut of [bytes.length - 1, bytes.length - 5, 3]) assert.throws(() => decodeListVmsResponse(bytes.subarray(0, cut)), RangeError, `cut at ${cut}`);
  });
});
