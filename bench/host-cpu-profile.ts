// A CPU profile of the thread it runs in, through node:inspector's session (no --cpu-prof flag
// reaches the extension host code-server starts): the probe wraps activation and the tree's
// first render in it, and the bench reads the top self-time functions out of the file. Each
// .cpuprofile also opens in Chrome DevTools or VS Code.

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))));
}

/** Runs `work` under the sampling profiler (100 µs) and writes the profile to `file`, or just runs it when `file` is undefined. */
export async function withCpuProfile<T>(file: string | undefined, work: () => Promise<T>): Promise<T> {
  if (!file) return work();
  const session = new Session();
  session.connect();
  try {
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: 100 });
    await post(session, 'Profiler.start');
    try {
      return await work();
    } finally {
      const { profile } = await post<{ profile: Profile }>(session, 'Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
    }
  } finally {
    session.disconnect();
  }
}

/** The functions with the most self time in a profile: "12.3 ms name file:line", the longest first. */
export function topSelfTime(profile: Profile, count = 15): Array<{ ms: number; fn: string }> {
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  for (const n of profile.nodes) {
    const us = byNode.get(n.id);
    // The inspector's own message handling (the profile's serialization at stop) and idle time are not the host's work.
    if (!us || n.callFrame.functionName === '(idle)' || (n.callFrame.functionName === 'dispatch' && !n.callFrame.url)) continue;
    const where = n.callFrame.url ? ` ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}` : '';
    const fn = `${n.callFrame.functionName || '(anonymous)'}${where}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  }
  return [...byFunction.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([fn, us]) => ({ ms: Math.round(us / 100) / 10, fn }));
}
