// Finds proto/blixard.proto at run time wherever this code runs from: the bundle
// (dist/companion/blixard-node.js → dist/proto), the TypeScript sources under tsx
// (companion/blixard-node/… → proto/), or wherever BLIXARD_PROTO points.

import { existsSync } from 'node:fs';
import path from 'node:path';

export function locateBlixardProto(): string {
  const fromEnv = process.env.BLIXARD_PROTO;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const tried: string[] = [];
  for (const start of [__dirname, path.dirname(process.argv[1] ?? __dirname)]) {
    let dir = start;
    for (let up = 0; up < 5; up++) {
      const candidate = path.join(dir, 'proto', 'blixard.proto');
      tried.push(candidate);
      if (existsSync(candidate)) return candidate;
      dir = path.dirname(dir);
    }
  }
  throw new Error(`cannot find proto/blixard.proto (looked in ${[...new Set(tried)].slice(0, 4).join(', ')}…); set BLIXARD_PROTO`);
}
