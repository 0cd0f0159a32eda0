// A real kubectl for the tests that check the local KubeVirt-compatible API server (and our
// sources) against the client operators use. $KUBECTL picks another binary (e.g. Debian's
// kubectl 1.20 from kubernetes-client) to check older clients too; a missing one fails with how
// to install it.
import { execFile, execFileSync } from 'node:child_process';

export function requireKubectl(): string {
  const bin = process.env.KUBECTL || 'kubectl';
  try {
    execFileSync(bin, ['version', '--client'], { stdio: 'ignore', timeout: 15_000 });
    return bin;
  } catch {
    throw new Error('kubectl is not installed: install kubernetes-client (kubectl), e.g. apt-get install -y kubernetes-client');
  }
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bin` with a kubeconfig and its own cache folder; resolves with the exit code and output, never rejects. */
export function runKubectl(bin: string, kubeconfig: string, cacheDir: string, args: string[], input?: string): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(bin, ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, '--request-timeout=20s', ...args], { timeout: 40_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}
