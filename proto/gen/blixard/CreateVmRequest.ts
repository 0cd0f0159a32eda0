// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto


export interface CreateVmRequest {
  'name'?: (string);
  'configPath'?: (string);
  'vcpus'?: (number);
  'memoryMb'?: (number);
  /**
   * This project's extension (upstream clients leave it empty): free-form key/value metadata kept
   * with the VM and listed in VmInfo.metadata, e.g. the migration planner's hints
   * (blixard.io/migration-priority, blixard.io/migrate-after, blixard.io/migrate-before,
   * blixard.io/pinned). Keys as Kubernetes label keys ([prefix/]name), at most 64 entries.
   */
  'metadata'?: ({[key: string]: string});
}

export interface CreateVmRequest__Output {
  'name': (string);
  'configPath': (string);
  'vcpus': (number);
  'memoryMb': (number);
  /**
   * This project's extension (upstream clients leave it empty): free-form key/value metadata kept
   * with the VM and listed in VmInfo.metadata, e.g. the migration planner's hints
   * (blixard.io/migration-priority, blixard.io/migrate-after, blixard.io/migrate-before,
   * blixard.io/pinned). Keys as Kubernetes label keys ([prefix/]name), at most 64 entries.
   */
  'metadata': ({[key: string]: string});
}
