// The dev launcher: starts a seeded server, writes a kubeconfig, prints one ready line, and
// stops cleanly on SIGTERM.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request } from 'node:https';

const CLI = resolve(__dirname, '../../support/kube-api-server/cli.ts');

function get(url: string, token: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request(url, { headers: { Authorization: `Bearer ${token}` }, ca, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
    req.end();
  });
}

describe('kube-api-server: dev launcher (cli.ts)', function () {
  this.timeout(60_000);

  it('prints the ready line, serves the seeded cluster through its kubeconfig, and exits on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kas-cli-'));
    const kubeconfig = join(dir, 'kubeconfig');
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--port', '0', '--kubeconfig', kubeconfig, '--nodes', '3', '--vmis', '6'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      let err = '';
      child.stderr.on('data', (d) => { err += d; });
      const line = await new Promise<string>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`no ready line; stderr: ${err}`)), 40_000);
        child.stdout.on('data', (d) => {
          out += d;
          const first = out.split('\n')[0];
          if (out.includes('\n')) { clearTimeout(timer); done(first); }
        });
        child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`exited ${code}: ${err}`)); });
      });
      const match = /^kubevirt api server ready: (https:\/\/127\.0\.0\.1:\d+) kubeconfig: (.+)$/.exec(line);
      assert.ok(match, line);
      assert.equal(match[2], kubeconfig);
      const config = JSON.parse(readFileSync(kubeconfig, 'utf8'));
      assert.equal(config.clusters[0].cluster.server, match[1]);
      const ca = Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString();
      const token = config.users[0].user.token;
      const nodes = JSON.parse((await get(`${match[1]}/api/v1/nodes`, token, ca)).body);
      assert.deepEqual(nodes.items.map((n: { metadata: { name: string } }) => n.metadata.name), ['node01', 'node02', 'node03']);
      const vmis = JSON.parse((await get(`${match[1]}/apis/kubevirt.io/v1/virtualmachineinstances`, token, ca)).body);
      assert.equal(vmis.items.length, 6);
      assert.ok(vmis.items.some((v: { metadata: { ownerReferences?: unknown[] } }) => !v.metadata.ownerReferences), 'one VMI has no VM');
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad arguments with a usage line', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--nodes', 'three'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    assert.equal(code, 2);
    assert.match(err, /--nodes needs a whole number/);
    assert.match(err, /usage: cli.ts/);
  });
});
