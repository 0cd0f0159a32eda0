// What the extension remembers of plans between sessions (its globalState), by key: imported by
// the cheap activation path too, so this file imports nothing.

/** The plan file whose run is under way: after a reload or a crash mid-plan, resuming it is offered. */
export const RUN_IN_PROGRESS_KEY = 'blixard.plans.runInProgress';

/** The VMs a node's last evacuation moved (for "move back" after Exit Maintenance Mode). */
export function evacuationKey(cluster: string, nodeId: string): string {
  return `blixard.plans.evacuated:${cluster}|${nodeId}`;
}
