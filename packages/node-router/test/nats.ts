// A real nats-server (Debian's package) for the cluster tests: JetStream on,
// in a temporary store directory, on 127.0.0.1 and a port the OS picks
// (`-p -1`), stopped by the test that started it.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NATS_SERVER = process.env['NATS_SERVER'] ?? 'nats-server';

/** Whether `nats-server` can be run here (.ci/run installs Debian's package). */
export function natsAvailable(): boolean {
  return spawnSync(NATS_SERVER, ['--version']).status === 0;
}

export class NatsServer {
  private child: ChildProcess | undefined;
  private log = '';

  private constructor(
    readonly dir: string,
    public port: number,
    /** Extra nats-server configuration (its config file syntax), e.g. `max_payload: 4096`. */
    private readonly config?: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Start a server with JetStream in a new temporary folder. */
  static async start(config?: string): Promise<NatsServer> {
    const s = new NatsServer(mkdtempSync(join(tmpdir(), 'wamp-nats-')), -1, config);
    await s.run();
    return s;
  }

  /** (Re)start on the same port and store folder (JetStream data survives). */
  async run(): Promise<void> {
    this.log = '';
    const args = ['-js', '-sd', this.dir, '-a', '127.0.0.1', '-p', String(this.port)];
    if (this.config !== undefined) {
      const file = join(this.dir, 'nats.conf');
      writeFileSync(file, this.config);
      args.push('-c', file);
    }
    const child = spawn(NATS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const onData = (d: Buffer): void => {
      this.log += d.toString('utf8');
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const m = /Listening for client connections on [^\s]*:(\d+)/.exec(this.log);
      if (m !== null && /Server is ready/.test(this.log)) {
        this.port = Number(m[1]);
        return;
      }
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`nats-server did not start:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stop the server (SIGTERM, or SIGKILL with `hard`) and wait for it to exit. */
  async stop(hard = false): Promise<void> {
    const c = this.child;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill(hard ? 'SIGKILL' : 'SIGTERM');
    await exited;
  }

  /** Stop and remove the store folder. */
  async dispose(): Promise<void> {
    await this.stop(true);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
