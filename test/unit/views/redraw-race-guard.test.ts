// The guard that brings back the children of a row expanded while its parent redrew, timed the
// way a loaded workbench times it: the parent's re-fetch can come seconds after the redraw.
import * as assert from 'assert';
import { RedrawRaceGuard } from '../../../src/ui/clusters/core/redraw-race-guard';

interface Row {
  readonly id: string;
  readonly leaf?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function guarded(open: Map<string, boolean>) {
  const redrawnAgain: string[][] = [];
  const guard = new RedrawRaceGuard<Row>({
    idOf: (r) => r.id,
    isExpandable: (r) => !r.leaf,
    isOpen: (r) => open.get(r.id),
    redrawAgain: (rows) => redrawnAgain.push(rows.map((r) => r.id)),
    settleMs: 20,
    expireMs: 30,
    openExpireMs: 5_000,
  });
  return { guard, redrawnAgain };
}

describe('RedrawRaceGuard', () => {
  const cluster: Row = { id: 'cluster' };
  const nodes: Row[] = [{ id: 'node-1' }, { id: 'node-2' }];
  let dispose: (() => void) | undefined;
  afterEach(() => dispose?.());

  it('waits for an open row however late the workbench asks for it again, then redraws the children it did not fetch', async () => {
    const { guard, redrawnAgain } = guarded(new Map([['cluster', true]]));
    dispose = () => guard.dispose();
    guard.fetched(cluster, nodes);
    guard.redrawn([cluster]);
    await sleep(80); // past expireMs: a busy workbench asks late
    guard.fetched(cluster, nodes);
    guard.fetched(nodes[1], [{ id: 'vm-3', leaf: true }]); // node-2 was open and is fetched with it
    await sleep(60);
    assert.deepEqual(redrawnAgain, [['node-1']], 'node-1, expanded in the window and answered with nothing, is redrawn once more');
  });

  it('does not wait for a row it knows is closed (the workbench never fetches it)', async () => {
    const open = new Map([['cluster', false]]);
    const { guard, redrawnAgain } = guarded(open);
    dispose = () => guard.dispose();
    guard.fetched(cluster, nodes);
    guard.redrawn([cluster]);
    open.set('cluster', true);
    guard.fetched(cluster, nodes); // opened later by the user: a first fetch, nothing was lost
    await sleep(60);
    assert.deepEqual(redrawnAgain, []);
  });

  it('gives a row of unknown state expireMs, as before', async () => {
    const { guard, redrawnAgain } = guarded(new Map());
    dispose = () => guard.dispose();
    guard.fetched(cluster, nodes);
    guard.redrawn([cluster]);
    await sleep(80);
    guard.fetched(cluster, nodes);
    await sleep(60);
    assert.deepEqual(redrawnAgain, [], 'a row fetched long after its redraw was opened anew, not re-fetched');
  });

  it('redraws nothing when every child is fetched again within the settle time', async () => {
    const { guard, redrawnAgain } = guarded(new Map([['cluster', true]]));
    dispose = () => guard.dispose();
    guard.fetched(cluster, nodes);
    guard.redrawn([cluster]);
    guard.fetched(cluster, nodes);
    guard.fetched(nodes[0], []);
    guard.fetched(nodes[1], []);
    await sleep(60);
    assert.deepEqual(redrawnAgain, []);
  });
});
