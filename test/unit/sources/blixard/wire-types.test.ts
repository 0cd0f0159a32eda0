// The wire types in proto/gen/ are generated from proto/blixard.proto and checked in, so a fresh
// clone compiles without generating: this fails when they no longer match the proto (or the
// loader options in proto/wire-options.ts), saying how to regenerate them.

import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { GENERATED_DIR, REGENERATE_COMMAND, generateWireTypes, listFiles } from '../../../../proto/generate-wire-types';
import type { ProtoGrpcType } from '../../../../proto/gen/blixard';
import type { ListVmsResponse__Output } from '../../../../proto/gen/blixard/ListVmsResponse';
import type { VmInfo } from '../../../../proto/gen/blixard/VmInfo';
import { BLIXARD_PROTO_LOADER_OPTIONS } from '../../../../proto/wire-options';
import type { Complete } from '../../../../companion/blixard-node/rpc/wire-format';
import type { Untrusted } from '../../../../companion/blixard-node/rpc/request-validation';
import type { MigrateVmRequest__Output } from '../../../../proto/gen/blixard/MigrateVmRequest';
import type { BlixardClient, CallOptions } from '../../../../src/sources/blixard/blixard-client';

describe('Blixard wire types (proto/gen/)', function () {
  this.timeout(60_000);
  let fresh: string;

  before(() => {
    fresh = mkdtempSync(path.join(os.tmpdir(), 'blixard-wire-types-'));
    generateWireTypes(path.join(fresh, 'gen'));
  });
  after(() => rmSync(fresh, { recursive: true, force: true }));

  it(`are what proto-loader-gen-types makes of the proto today (else: ${REGENERATE_COMMAND})`, () => {
    const generated = path.join(fresh, 'gen');
    const expected = listFiles(generated).map((f) => path.relative(generated, f));
    const present = listFiles(GENERATED_DIR).map((f) => path.relative(GENERATED_DIR, f));
    const stale = `proto/gen/ is out of date with proto/blixard.proto; run \`${REGENERATE_COMMAND}\` and commit proto/gen/`;
    assert.deepEqual(present, expected, `${stale} (files differ)`);
    for (const file of expected) {
      assert.equal(readFileSync(path.join(GENERATED_DIR, file), 'utf8'), readFileSync(path.join(generated, file), 'utf8'), `${stale} (${file} differs)`);
    }
  });

  it('match what the loader options decode at run time: camelCase, 64-bit as decimal strings, enum names, defaults', () => {
    const definition = protoLoader.loadSync(path.join(__dirname, '../../../../proto/blixard.proto'), BLIXARD_PROTO_LOADER_OPTIONS);
    const listVms = (grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType).blixard.ClusterService.service.ListVms;
    const bytes = listVms.responseSerialize({ vms: [{ name: 'vm-1', state: 'VM_STATE_RUNNING', nodeId: 9007199254740993n.toString(), vcpus: 2 }] });
    const decoded: ListVmsResponse__Output = listVms.responseDeserialize(bytes);
    assert.deepEqual(decoded, { vms: [{ name: 'vm-1', state: 'VM_STATE_RUNNING', nodeId: '9007199254740993', vcpus: 2, memoryMb: 0, ipAddress: '', stateMessage: '', metadata: {} }] });
  });

  it('type both sides by the proto, so a renamed method or field breaks tsc (these lines are checked by tsc -p .)', () => {
    const options: CallOptions = { action: 'test', idempotent: true };
    const misuses = (client: BlixardClient, request: Untrusted<MigrateVmRequest__Output>) => {
      // @ts-expect-error -- not a method of blixard.ClusterService
      void client.call('cluster', 'ListVm', {}, options);
      // @ts-expect-error -- the request field is activeOnly (camelCase, as the loader options say)
      void client.call('migration', 'ListMigrations', { active_only: true }, options);
      // @ts-expect-error -- ListVmsResponse has no field vm
      void client.call('cluster', 'ListVms', {}, options).then((response) => response.vm);
      // @ts-expect-error -- the daemon reads the proto's request fields only
      void request.target_node;
      // @ts-expect-error -- a message the daemon sends gives every field (ipAddress is missing)
      const info: Complete<VmInfo> = { name: 'vm-1', state: 'VM_STATE_RUNNING', nodeId: 1, vcpus: 1, memoryMb: 1 };
      return info;
    };
    assert.equal(typeof misuses, 'function');
  });
});
