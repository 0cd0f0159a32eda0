// ListVmsResponse read straight from its bytes into the plain objects proto-loader's
// deserializer would give (BLIXARD_PROTO_LOADER_OPTIONS: camelCase, uint64 as a decimal string,
// enums by name, defaults filled in). proto-loader decodes each VmInfo into a protobufjs message,
// its node id into a Long, then copies all of it into a second object: at 10 clusters × 10,000
// VMs that was the largest item of the Clusters tree's first render, and most of its garbage.
// test/unit/sources/blixard/list-vms-decoder.test.ts holds it equal to proto-loader's answer.

import type { WireListVmsResponse, WireVmInfo } from './blixard-wire';

/** VmState's names by number (proto/blixard.proto); a number it does not name stays a number, as proto-loader leaves it. */
const VM_STATES = ['VM_STATE_UNKNOWN', 'VM_STATE_CREATED', 'VM_STATE_STARTING', 'VM_STATE_RUNNING', 'VM_STATE_STOPPING', 'VM_STATE_STOPPED', 'VM_STATE_FAILED'] as const;

/**
 * Buffer's own UTF-8 slice, which toString('utf8', start, end) calls after checking its arguments
 * (undocumented, in Node since 0.x): for 20,000 short strings per answer, those checks cost more
 * than the decoding. toString where a runtime lacks it.
 */
const utf8Slice: (this: Buffer, start: number, end: number) => string =
  (Buffer.prototype as unknown as { utf8Slice?: (this: Buffer, start: number, end: number) => string }).utf8Slice ??
  function (this: Buffer, start: number, end: number) {
    return this.toString('utf8', start, end);
  };

class Reader {
  at = 0;
  readonly bytes: Buffer;
  constructor(bytes: Uint8Array) {
    this.bytes = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** A varint of up to 32 significant bits, as proto's uint32 and enum fields are read. */
  uint32(): number {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const b = this.byte();
      if (shift < 32) value |= (b & 0x7f) << shift;
      if (b < 0x80) return value >>> 0;
    }
  }

  /** A uint64 varint as its decimal text. */
  uint64(): string {
    let low = 0;
    let shift = 0;
    // Up to 7 bytes (49 bits) stay exact in a number; beyond that, BigInt.
    for (; shift < 49; shift += 7) {
      const b = this.byte();
      low += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return String(low);
    }
    let big = BigInt(low);
    for (; ; shift += 7) {
      const b = this.byte();
      if (shift < 64) big |= BigInt(b & 0x7f) << BigInt(shift);
      if (b < 0x80) return BigInt.asUintN(64, big).toString();
    }
  }

  string(): string {
    const length = this.uint32();
    const end = this.at + length;
    if (end > this.bytes.length) throw new RangeError('index out of range');
    const text = utf8Slice.call(this.bytes, this.at, end);
    this.at = end;
    return text;
  }

  /** Skips a field of this wire type. */
  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        while (this.byte() >= 0x80);
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.advance(this.uint32());
        return;
      case 5:
        this.advance(4);
        return;
      case 3:
        for (;;) {
          const tag = this.uint32();
          if ((tag & 7) === 4) return;
          this.skip(tag & 7);
        }
      default:
        throw new Error(`invalid wire type ${wireType} at offset ${this.at}`);
    }
  }

  byte(): number {
    if (this.at >= this.bytes.length) throw new RangeError('index out of range');
    return this.bytes[this.at++];
  }

  private advance(n: number): void {
    if (this.at + n > this.bytes.length) throw new RangeError('index out of range');
    this.at += n;
  }
}

function vmInfo(r: Reader, end: number): WireVmInfo {
  const vm: WireVmInfo = { name: '', state: 'VM_STATE_UNKNOWN', nodeId: '0', vcpus: 0, memoryMb: 0, ipAddress: '', stateMessage: '', metadata: {} };
  while (r.at < end) {
    const tag = r.uint32();
    switch (tag >>> 3) {
      case 1:
        if ((tag & 7) !== 2) break;
        vm.name = r.string();
        continue;
      case 2: {
        if ((tag & 7) !== 0) break;
        const n = r.uint32() | 0;
        vm.state = (VM_STATES[n] ?? n) as WireVmInfo['state'];
        continue;
      }
      case 3:
        if ((tag & 7) !== 0) break;
        vm.nodeId = r.uint64();
        continue;
      case 4:
        if ((tag & 7) !== 0) break;
        vm.vcpus = r.uint32();
        continue;
      case 5:
        if ((tag & 7) !== 0) break;
        vm.memoryMb = r.uint32();
        continue;
      case 6:
        if ((tag & 7) !== 2) break;
        vm.ipAddress = r.string();
        continue;
      case 100:
        if ((tag & 7) !== 2) break;
        vm.stateMessage = r.string();
        continue;
      case 101: {
        if ((tag & 7) !== 2) break;
        const entryEnd = r.uint32() + r.at;
        let key = '';
        let value = '';
        while (r.at < entryEnd) {
          const t = r.uint32();
          if (t >>> 3 === 1 && (t & 7) === 2) key = r.string();
          else if (t >>> 3 === 2 && (t & 7) === 2) value = r.string();
          else r.skip(t & 7);
        }
        vm.metadata[key] = value;
        continue;
      }
    }
    // A field this build does not know, or one in a wire type it does not expect: skipped, as protobufjs does.
    r.skip(tag & 7);
  }
  if (r.at !== end) throw new RangeError('index out of range');
  return vm;
}

/** What proto-loader's deserializer gives for a ListVmsResponse's bytes. */
export function decodeListVmsResponse(bytes: Uint8Array): WireListVmsResponse {
  const r = new Reader(bytes);
  const vms: WireVmInfo[] = [];
  while (r.at < bytes.length) {
    const tag = r.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === 2) {
      const length = r.uint32();
      const end = r.at + length;
      if (end > bytes.length) throw new RangeError('index out of range');
      vms.push(vmInfo(r, end));
    } else r.skip(tag & 7);
  }
  return { vms };
}
