// Starts a real VS Code workbench server (code-server 4.100.3 = VS Code 1.100.3 on Node 20,
// built by scripts/ensure-code-server.sh) on a free loopback port with a fresh profile, for
// the integration launcher, the e2e tests, the benchmarks and `npm start`.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** Settings every automated profile wants: no trust prompt, no tours, nothing phoning home. */
export const quietWorkbenchSettings: Record<string, unknown> = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'workbench.enableExperiments': false,
};

export interface WorkbenchPin {
  codeServer: string;
  /** The VS Code release inside that code-server: what every harnessed extension host must be. */
  vscode: string;
}

/** The workbench the harness promises, read from scripts/ensure-code-server.sh (the one place it is pinned). */
export function workbenchPin(): WorkbenchPin {
  const script = readFileSync(path.join(repoRoot, 'scripts', 'ensure-code-server.sh'), 'utf8');
  const line = (name: string) => {
    const value = new RegExp(`^${name}=(\\S+)$`, 'm').exec(script)?.[1];
    if (!value) throw new Error(`scripts/ensure-code-server.sh has no ${name}= line`);
    return value;
  };
  return { codeServer: line('VERSION'), vscode: line('VSCODE_VERSION') };
}

/** The code-server entry point, building it once if needed; throws with what to install. */
export function codeServerEntry(): string {
  if (process.env.BLIXARD_CODE_SERVER_ENTRY && existsSync(process.env.BLIXARD_CODE_SERVER_ENTRY)) return process.env.BLIXARD_CODE_SERVER_ENTRY;
  const script = path.join(repoRoot, 'scripts', 'ensure-code-server.sh');
  const result = spawnSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const entry = result.stdout?.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !entry || !existsSync(entry)) {
    throw new Error(
      `code-server ${workbenchPin().codeServer} is not available and could not be built. It needs: apt-get install -y ripgrep pkg-config libkrb5-dev (then run: bash scripts/ensure-code-server.sh)`,
    );
  }
  return entry;
}

export interface CodeServerOptions {
  /** User settings of the fresh profile (merged over quietWorkbenchSettings). */
  userSettings?: Record<string, unknown>;
  /** The folder the workbench opens; a fresh empty one by default. */
  workspaceFolder?: string;
  /** Extra environment for the server and so for its extension host. */
  env?: Record<string, string>;
  /** Keep the profile after stop() (for a person to look at). */
  keepProfile?: boolean;
  /** Where the profile goes; a temp folder by default. */
  profileDir?: string;
  /** A fixed port (npm start); 0 = any free one. */
  port?: number;
  /**
   * Workspace trust on, as in a user's VS Code: a folder opens untrusted (Restricted Mode)
   * until trusted, and a trusted window behaves as with trust off. Off by default here.
   */
  workspaceTrust?: boolean;
  onOutput?(line: string): void;
}

export interface WorkbenchUrlOptions {
  folder?: string;
  extensionDevelopmentPath?: string;
  extensionTestsPath?: string;
}

export class CodeServer {
  private output: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly profileDir: string,
    readonly userDataDir: string,
    readonly extensionsDir: string,
    readonly workspaceFolder: string,
    private readonly keepProfile: boolean,
  ) {}

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The last lines code-server printed, for failure reports. */
  recentOutput(): string {
    return this.output.slice(-40).join('\n');
  }

  /**
   * A workbench URL. With extensionDevelopmentPath (and extensionTestsPath) in the payload the
   * remote extension host loads the extension under development (and runs its tests), as
   * VS Code's own web test runner does.
   */
  workbenchUrl(options: WorkbenchUrlOptions = {}): string {
    const remote = (p: string) => `vscode-remote://127.0.0.1:${this.port}${path.resolve(p)}`;
    const payload: [string, string][] = [];
    if (options.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(options.extensionDevelopmentPath)]);
    if (options.extensionTestsPath) payload.push(['extensionTestsPath', remote(options.extensionTestsPath)]);
    const params = new URLSearchParams({ folder: options.folder ?? this.workspaceFolder });
    if (payload.length > 0) params.set('payload', JSON.stringify(payload));
    return `${this.origin}/?${params.toString()}`;
  }

  static async start(options: CodeServerOptions = {}): Promise<CodeServer> {
    const entry = codeServerEntry();
    const profileDir = options.profileDir ?? mkdtempSync(path.join(os.tmpdir(), 'blixard-code-server-'));
    const userDataDir = path.join(profileDir, 'user-data');
    const extensionsDir = path.join(profileDir, 'extensions');
    const workspaceFolder = options.workspaceFolder ?? path.join(profileDir, 'workspace');
    for (const dir of [path.join(userDataDir, 'User'), extensionsDir, workspaceFolder]) mkdirSync(dir, { recursive: true });
    const trustSettings = options.workspaceTrust ? { 'security.workspace.trust.enabled': true } : {};
    writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...quietWorkbenchSettings, ...trustSettings, ...options.userSettings }, null, 2));
    // An empty config file keeps the user's ~/.config/code-server (password, bind address) out of it.
    const configFile = path.join(profileDir, 'code-server.yaml');
    writeFileSync(configFile, '');
    const args = [
      entry,
      '--config', configFile,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${options.port ?? 0}`,
      '--disable-telemetry',
      '--disable-update-check',
      ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      '--user-data-dir', userDataDir,
      '--extensions-dir', extensionsDir,
      workspaceFolder,
    ];
    // Its own process group, so stop() also ends the extension host and anything it started.
    // Without a password it must stay on loopback: code-server's CODE_SERVER_HOST and PORT would override --bind-addr.
    const { CODE_SERVER_HOST: _host, PORT: _port, ...inherited } = process.env;
    const child = spawn(process.execPath, args, {
      env: { ...inherited, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const server = await new Promise<CodeServer>((resolve, reject) => {
      const lines: string[] = [];
      let buffered = '';
      const timer = setTimeout(() => fail(new Error(`code-server did not start listening within 60 s:\n${lines.slice(-20).join('\n')}`)), 60_000);
      const onData = (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        let i: number;
        while ((i = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, i);
          buffered = buffered.slice(i + 1);
          lines.push(line);
          options.onOutput?.(line);
          const match = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
          if (match) {
            clearTimeout(timer);
            const started = new CodeServer(child, Number(match[1]), profileDir, userDataDir, extensionsDir, workspaceFolder, !!options.keepProfile || !!options.profileDir);
            started.output = lines;
            resolve(started);
          }
        }
      };
      const fail = (err: Error) => {
        clearTimeout(timer);
        killGroup(child, 'SIGKILL');
        reject(err);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => fail(new Error(`code-server exited (code ${code}) before listening:\n${lines.slice(-20).join('\n')}`)));
      child.once('error', (err) => fail(err));
    });
    return server;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      killGroup(this.child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(this.child, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    // Whatever the extension host started in the group (dev clusters) goes too.
    killGroup(this.child, 'SIGKILL');
    if (!this.keepProfile) rmSync(this.profileDir, { recursive: true, force: true });
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
