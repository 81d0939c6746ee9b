// Base backups in the sandbox, in place of Spilo's backup cron: the member
// that holds the leader role takes one as soon as it leads (so a new
// cluster, and every new timeline after a failover, has a base backup to
// restore from) and again every BACKUP_INTERVAL_SECONDS when the pod sets
// it. Runs the hook's backup-push (walg-client.py; the stand-in's server
// waits for the replicas to stream, then streams pg_basebackup to S3 with
// compression off the event loop); killing the client cancels the backup.
// A failed backup is retried after 15 s.
import { spawn, type ChildProcess } from 'node:child_process';

const RETRY_MS = 15_000;

interface State {
  /** when the next backup is due; undefined when this pod does not lead */
  dueAt?: number;
  running?: ChildProcess;
}

export class BaseBackupScheduler {
  private readonly pods = new Map<string, State>();
  private stopped = false;

  /** Called on every readiness round: `leader` from the pod's role label. */
  observe(key: string, leader: boolean, command: string[] | undefined, intervalSeconds?: number): void {
    if (this.stopped || !command) return;
    const s = this.pods.get(key) ?? {};
    this.pods.set(key, s);
    if (!leader) {
      s.dueAt = undefined;
      return;
    }
    s.dueAt ??= Date.now();
    if (s.running || Date.now() < s.dueAt) return;
    const child = spawn(command[0], [...command.slice(1), 'backup-push'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    s.running = child;
    child.once('close', (code, signal) => {
      s.running = undefined;
      // stopped, or the pod is gone (forget killed it): a cancel, not a failure
      if (this.stopped || this.pods.get(key) !== s) return;
      const why = err.trim().split('\n').pop() || (signal ? `killed (${signal})` : `exited with ${code}`);
      if (code !== 0) process.stderr.write(`sandbox base backup of ${key.split('/').slice(0, 2).join('/')} failed: ${why}\n`);
      if (s.dueAt !== undefined) s.dueAt = Date.now() + (code === 0 && intervalSeconds ? intervalSeconds * 1000 : code === 0 ? Infinity : RETRY_MS);
    });
  }

  /** The pod is gone: its running backup is cancelled; resolves once that backup has ended. */
  forget(key: string): Promise<void> {
    const running = this.pods.get(key)?.running;
    this.pods.delete(key);
    running?.kill('SIGTERM');
    return running ? ended(running) : Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const running = [...this.pods.values()].map((s) => s.running).filter((c): c is ChildProcess => c !== undefined);
    for (const c of running) c.kill('SIGTERM');
    await Promise.all(running.map(ended));
    this.pods.clear();
  }
}

const ended = (c: ChildProcess): Promise<void> =>
  new Promise((ok) => (c.exitCode !== null || c.signalCode !== null ? ok() : c.once('close', () => ok())));
