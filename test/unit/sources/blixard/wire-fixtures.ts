// Wire messages for the pure unit tests, shaped as proto-loader decodes them.

import type { WireMigrationInfo } from '../../../../src/sources/blixard/blixard-wire';

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
    ...overrides,
  };
}
