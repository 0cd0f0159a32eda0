// The blixard-node command line, run as a real process: from the TypeScript sources, and from a
// bundle built the way esbuild.mjs builds dist/companion/blixard-node.js.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { connect } from './blixard-test-client';
import { exitOf, FROM_SOURCE, ROOT, startCli } from './cli-process';
import { parseCommandLine, UsageError } from '../../companion/blixard-node/cli-options';
import { isProcessAlive } from '../../src/history/replication/process-liveness';

const MAIN = path.join(ROOT, 'companion/blixard-node/main.ts');

const DOCUMENTED_FLAGS = [
  '--id', '--listen', '--store', '--advertise', '--runtime', '--capacity', '--lease-ttl', '--nodes', '--base-port', '--vms', '--host',
  '--boot-ms', '--stop-ms', '--bandwidth-mbps', '--dirty-rate-mbps', '--max-downtime-ms', '--tls-cert', '--tls-key', '--tls-ca', '--quiet', '--exit-with-parent', '--help', '--version',
  '--state-dir', '--auto-converge', '--stall-timeout-ms',
];

function run(args: string[], nodeArgs = FROM_SOURCE) {
  return spawnSync(process.execPath, [...nodeArgs, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
}

describe('blixard-node CLI', function () {
  this.timeout(60_000);

  it('--help documents every flag and exits 0', () => {
    const r = run(['--help']);
    assert.equal(r.status, 0, r.stderr);
    for (const flag of DOCUMENTED_FLAGS) assert.ok(r.stdout.includes(flag), `--help mentions ${flag}`);
    assert.match(r.stdout, /blixard-node --id N --listen HOST:PORT --store memory\|etcd:\/\/HOST:PORT/);
  });

  it('a bad flag is one line on stderr and exit code 2', () => {
    const r = run(['--bogus']);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, 'blixard-node: unknown flag --bogus (see --help)\n');
    assert.equal(r.stdout, '');
    const unreadable = run(['--id', '1', '--listen', '127.0.0.1:0', '--tls-cert', '/nonexistent/cert.pem', '--tls-key', '/nonexistent/key.pem']);
    assert.equal(unreadable.status, 2);
    assert.equal(unreadable.stderr, 'blixard-node: cannot read --tls-cert /nonexistent/cert.pem: ENOENT\n');
  });

  for (const [args, message] of [
    [['--id', '0', '--listen', '127.0.0.1:0'], '--id must be between 1 and 9007199254740991'],
    [['--id', '1'], '--listen is required'],
    [['--listen', '127.0.0.1:0'], '--id is required'],
    [['--id', '1', '--listen', 'nowhere'], '--listen must be HOST:PORT, not "nowhere"'],
    [['--id', '1', '--listen', '127.0.0.1:0', '--store', 'redis://x'], '--store must be "memory" or "etcd://HOST:PORT[,HOST:PORT…]", not "redis://x"'],
    [['--id', '1', '--listen', '127.0.0.1:0', '--store', 'etcd://host'], '--store: "host" is not HOST:PORT'],
    [['--id', '1', '--listen', '127.0.0.1:0', '--runtime', 'xen'], '--runtime must be "simulated" or "qemu", not "xen"'],
    [['--id', '1', '--listen', '127.0.0.1:0', '--state-dir', '/tmp/x'], '--state-dir needs --runtime qemu'],
    [['dev-cluster', '--auto-converge'], '--auto-converge needs --runtime qemu'],
    [['--id', '1', '--listen', '127.0.0.1:0', '--capacity', 'vcpus=lots'], '--capacity vcpus must be a positive whole number'],
    [['--id', '1', '--listen', '127.0.0.1:0', '--capacity', 'gpus=2'], '--capacity takes vcpus=N,memory=MB,disk=GB, not "gpus=2"'],
    [['--id', '1', '--listen', '127.0.0.1:0', '--lease-ttl', '1'], '--lease-ttl must be between 2 and 3600'],
    [['--id', '1', '--listen', '127.0.0.1:0', '--tls-cert', 'c.pem'], '--tls-cert and --tls-key go together'],
    [['--id', '1', '--id', '2'], '--id given twice'],
    [['--id'], '--id needs a value'],
    [['stray'], 'unexpected argument "stray"'],
    [['dev-cluster', '--nodes', 'three'], '--nodes must be a whole number, not "three"'],
    [['dev-cluster', '--nodes', '0'], '--nodes must be between 1 and 64'],
    [['dev-cluster', '--id', '1'], '--id does not apply to dev-cluster'],
    [['--id', '1', '--listen', '127.0.0.1:0', '--vms', '3'], '--vms only applies to dev-cluster'],
    [['dev-cluster', '--boot-ms', '-5'], '--boot-ms must be a whole number, not "-5"'],
    [['dev-cluster', '--stream-buffer-mb', '0'], '--stream-buffer-mb must be between 1 and 1000000'],
    [['dev-cluster', '--max-connections', 'many'], '--max-connections must be a whole number, not "many"'],
    [['dev-cluster', '--exit-with-parent=me'], '--exit-with-parent=PID needs the parent\'s process id, not "me"'],
  ] as const) {
    it(`rejects ${args.join(' ')}: ${message}`, () => {
      assert.throws(() => parseCommandLine([...args]), (err: Error) => err instanceof UsageError && err.message === message);
    });
  }

  it('parses every option of both modes', () => {
    assert.deepEqual(
      parseCommandLine(['--id', '3', '--listen', '0.0.0.0:7003', '--store', 'etcd://10.0.0.1:2379,10.0.0.2:2379', '--advertise', 'host-3:7003', '--capacity', 'vcpus=32,memory=65536', '--lease-ttl', '5', '--boot-ms', '0', '--bandwidth-mbps=0', '--quiet', '--max-connections', '100', '--max-streams-per-connection=4', '--stream-buffer-mb', '16']),
      {
        command: 'node', id: 3, listen: '0.0.0.0:7003', advertise: 'host-3:7003', store: { kind: 'etcd', endpoints: ['10.0.0.1:2379', '10.0.0.2:2379'] },
        runtime: { bootMs: 0, stopMs: undefined, bandwidthMbps: 0, dirtyRateMbps: undefined, maxDowntimeMs: undefined },
        runtimeKind: 'simulated', qemu: { stateDir: undefined, autoConverge: false, stallTimeoutMs: undefined },
        capacity: { vcpus: 32, memoryMb: 65536 }, leaseTtlSeconds: 5, tls: undefined, quiet: true, exitWithParent: false,
        limits: { maxConnections: 100, maxStreamsPerConnection: 4, maxBufferedBytes: 16 * 1024 * 1024 },
      },
    );
    const dev = parseCommandLine(['dev-cluster', '--nodes', '5', '--base-port', '0', '--vms', '10', '--tls-cert', 'c', '--tls-key', 'k', '--tls-ca', 'ca']);
    assert.deepEqual(dev, {
      command: 'dev-cluster', nodes: 5, basePort: 0, vms: 10, host: '127.0.0.1',
      runtime: { bootMs: undefined, stopMs: undefined, bandwidthMbps: undefined, dirtyRateMbps: undefined, maxDowntimeMs: undefined },
      runtimeKind: 'simulated', qemu: { stateDir: undefined, autoConverge: false, stallTimeoutMs: undefined },
      capacity: undefined, leaseTtlSeconds: undefined, tls: { certFile: 'c', keyFile: 'k', caFile: 'ca' }, quiet: false, exitWithParent: false,
      limits: {},
    });
    const qemu = parseCommandLine(['dev-cluster', '--runtime', 'qemu', '--state-dir', '/tmp/s', '--auto-converge', '--stall-timeout-ms', '5000']);
    assert.deepEqual(qemu.command === 'dev-cluster' && qemu.qemu, {
      stateDir: '/tmp/s', autoConverge: true, stallTimeoutMs: 5000,
    });
    assert.deepEqual(parseCommandLine(['dev-cluster']), { ...dev, nodes: 3, basePort: 7001, vms: 6, tls: undefined });
  });

  for (const [listen, warns] of [
    ['0.0.0.0:0', true],
    ['127.0.0.1:0', false],
  ] as const) {
    it(`${warns ? 'warns on stderr, even with --quiet,' : 'does not warn'} when it serves ${listen} without TLS`, async () => {
      const { child, match, stderr } = await startCli(['--id', '1', '--listen', listen, '--quiet'], /^blixard-node 1 ready: (\S+)\n/m);
      const client = connect(match[1]);
      assert.equal((await client.call('HealthCheck')).healthy, true);
      client.close();
      child.kill('SIGTERM');
      assert.equal(await exitOf(child), 0);
      const warnings = stderr().split('\n').filter((line) => line.includes('WARNING'));
      if (!warns) return assert.deepEqual(warnings, []);
      assert.equal(warnings.length, 1, stderr());
      assert.match(warnings[0], /without TLS: anyone who can reach the port can create, stop, delete and migrate VMs/);
      assert.match(warnings[0], /--tls-cert FILE --tls-key FILE --tls-ca FILE/);
    });
  }
  it('warns when dev-cluster serves every interface without TLS', async () => {
    const { child, match, stderr } = await startCli(['dev-cluster', '--nodes', '1', '--base-port', '0', '--vms', '0', '--host', '0.0.0.0', '--quiet'], /ready: (\S+)\n/);
    const client = connect(match[1]);
    assert.equal((await client.call('HealthCheck')).healthy, true);
    client.close();
    child.kill('SIGTERM');
    assert.equal(await exitOf(child), 0);
    assert.match(stderr(), /WARNING: serving 0\.0\.0\.0 without TLS/);
  });

  it('dev-cluster prints one ready line with the endpoints, serves them, and stops cleanly on SIGTERM', async () => {
    const { child, match } = await startCli(['dev-cluster', '--nodes', '3', '--base-port', '0', '--vms', '4', '--quiet'], /^blixard dev-cluster ready: (\S+)\n/m);
    try {
      const endpoints = match[1].split(',');
      assert.equal(endpoints.length, 3);
      for (const e of endpoints) assert.match(e, /^127\.0\.0\.1:\d+$/);
      const client = connect(endpoints[2]);
      const { vms } = await client.call('ListVms');
      assert.equal(vms.length, 4);
      assert.deepEqual((await client.call('GetClusterStatus')).nodes.map((n: { address: string }) => n.address), endpoints);
      client.close();
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exitOf(child), 0);
  });

  it('--exit-with-parent: a dev-cluster whose parent is killed -9 stops by itself', async () => {
    // The parent is a shell that starts the cluster and waits; killing it -9 sends the child no signal.
    const command = [process.execPath, ...FROM_SOURCE, 'dev-cluster', '--nodes', '1', '--base-port', '0', '--vms', '0', '--quiet', '--exit-with-parent']
      .map((a) => `'${a}'`)
      .join(' ');
    const { child: shell, match } = await startCli(['-c', `${command} & echo "child $!"; wait`], /^blixard dev-cluster ready: (\S+)\n/m, [], process.env, 'bash');
    const pid = Number(/child (\d+)/.exec(match.input ?? '')?.[1]);
    assert.ok(pid > 0, 'the shell printed the cluster pid');
    // An orphan's new parent (a container init, a subreaper) may never reap it: a zombie counts as exited.
    const alive = () => isProcessAlive(pid);
    assert.ok(alive());
    shell.kill('SIGKILL');
    const deadline = Date.now() + 15_000;
    while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const stillAlive = alive();
    if (stillAlive) process.kill(pid, 'SIGKILL');
    assert.equal(stillAlive, false, 'the orphaned dev-cluster exited within 15 s');
  });

  it('--exit-with-parent: a dev-cluster whose parent dies while it is still starting stops by itself', async () => {
    // The shell starts the cluster and kills itself at once, long before the cluster is ready.
    const command = [process.execPath, ...FROM_SOURCE, 'dev-cluster', '--nodes', '1', '--base-port', '0', '--vms', '0', '--quiet']
      .map((a) => `'${a}'`)
      .join(' ');
    // $$ is the shell's pid: the parent is named, since it is gone before the daemon could look.
    const shell = spawn('bash', ['-c', `${command} --exit-with-parent=$$ & echo "child $!"; kill -9 $$`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      shell.stdout.on('data', (d) => {
        out += d;
        const m = /child (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      shell.on('exit', () => setTimeout(() => reject(new Error(`the shell printed no pid: ${out}`)), 100));
    });
    try {
      const deadline = Date.now() + 20_000;
      while (isProcessAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(isProcessAlive(pid), false, 'the dev-cluster orphaned during startup exited within 20 s');
    } finally {
      if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('a single daemon on the memory store announces itself and stops on SIGINT with exit 0', async () => {
    const { child, match } = await startCli(['--id', '7', '--listen', '127.0.0.1:0', '--store', 'memory', '--capacity', 'vcpus=8,memory=4096,disk=100'], /^blixard-node 7 ready: (\S+)\n/m);
    try {
      const client = connect(match[1]);
      assert.equal((await client.call('HealthCheck')).healthy, true);
      const summary = (await client.call('GetClusterResourceSummary')).summary;
      assert.deepEqual([summary.total_vcpus, summary.total_memory_mb, summary.total_disk_gb], [8, 4096, 100]);
      client.close();
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exitOf(child), 0);
  });

  it('works from an esbuild bundle laid out like dist/ (proto found next to it, etcd3 kept external)', async () => {
    mkdirSync(path.join(ROOT, '.test-artifacts'), { recursive: true });
    const dir = mkdtempSync(path.join(ROOT, '.test-artifacts', 'blixard-node-bundle-'));
    try {
      await esbuild.build({
        entryPoints: [MAIN],
        outfile: path.join(dir, 'companion/blixard-node.js'),
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        external: ['vscode', 'etcd3'],
        logLevel: 'error',
      });
      cpSync(path.join(ROOT, 'proto'), path.join(dir, 'proto'), { recursive: true });
      const bundle = [path.join(dir, 'companion/blixard-node.js')];
      const help = spawnSync(process.execPath, [...bundle, '--help'], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(help.status, 0, help.stderr);
      assert.match(help.stdout, /dev-cluster/);
      const { child, match } = await startCli(['dev-cluster', '--nodes', '2', '--base-port', '0', '--vms', '2', '--quiet'], /^blixard dev-cluster ready: (\S+)\n/m, bundle);
      const client = connect(match[1].split(',')[0]);
      assert.equal((await client.call('ListVms')).vms.length, 2);
      client.close();
      child.kill('SIGTERM');
      assert.equal(await exitOf(child), 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
