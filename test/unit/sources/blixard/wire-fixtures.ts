// Wire messages for the pure unit tests, shaped as proto-loader decodes them.

import type { WireMigrationInfo, WireNodeInfo, WireVmInfo } from '../../../../src/sources/blixard/blixard-wire';

export function wireMigration(overrides: Partial<WireMigrationInfo> = {}): WireMigrationInfo {
  return {
    id: 'm-1',
    vmName: 'web-1',
    sourceNodeId: '1',
    targetNodeId: '2',
    liveMigration: true,
    force: false,
    status: 'MIGRATION_STATUS_TRANSFERRING',
    message: '',
    createdAtUnixMs: '1000',
    updatedAtUnixMs: '1500',
    endedAtUnixMs: '0',
    progress: null,
    phases: [
      { status: 'MIGRATION_STATUS_TRANSFERRING', atUnixMs: '1200' },
      { status: 'MIGRATION_STATUS_PREPARING', atUnixMs: '1010' },
    ],
    revision: '7',
    downtimeMs: 0,
    planId: '',
    ...overrides,
  };
}

/** A NodeInfo as a daemon with maintenance mode sends it for a node outside maintenance. */
export function wireNode(id: string, address: string, state: WireNodeInfo['state'], overrides: Partial<WireNodeInfo> = {}): WireNodeInfo {
  return { id, address, state, maintenance: false, maintenanceSinceUnixMs: '0', maintenanceReason: '', ...overrides };
}

/** A VmInfo with every field given (no metadata unless overridden). */
export function wireVm(overrides: Partial<WireVmInfo> & Pick<WireVmInfo, 'name'>): WireVmInfo {
  return { state: 'VM_STATE_RUNNING', nodeId: '1', vcpus: 1, memoryMb: 128, ipAddress: '', stateMessage: '', metadata: {}, ...overrides };
}
