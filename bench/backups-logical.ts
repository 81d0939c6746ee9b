// BENCH=logical: logical backup throughput against pg_dump of the same
// database in the same run, and zpg's peak RSS while it streams. A throwaway
// PostgreSQL 15 on a Unix socket holds ~BENCH_LOGICAL_MB (default 300) MiB of
// rows; the sandbox's s3rver stores the backups. zpg's side runs in a child
// process (takeLogicalBackup, the code `zpg backup logical` runs) so its
// VmHWM is its own. The connection is local on both sides: this measures the
// dump → gzip → multipart path, not a port-forward.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stats.ts';

const BIN = '/usr/lib/postgresql/15/bin';
const BUCKET = 'bench-logical';

function asPostgres(cmd: string, args: string[]): string {
  // initdb and postgres refuse to run as root.
  if (process.getuid?.() === 0) return execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' });
  return execFileSync(cmd, args, { encoding: 'utf8' });
}

async function timed(cmd: string): Promise<number> {
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const c = spawn('sh', ['-c', cmd], { stdio: ['ignore', 'ignore', 'inherit'] });
    c.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd}: exit ${code}`))));
  });
  return (performance.now() - t0) / 1000;
}

/** zpg's backup in a child: resolves with seconds, stored bytes and its peak RSS. */
function zpgBackup(format: 'set' | 'dumpall', socket: string, port: number, endpoint: string): Promise<{ seconds: number; stored: number; peakMiB: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
      env: { ...process.env, ZPG_BENCH_LOGICAL_CHILD: JSON.stringify({ format, socket, port, endpoint }) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`zpg backup child: exit ${code}: ${out}`))));
  });
}

async function child(o: { format: 'set' | 'dumpall'; socket: string; port: number; endpoint: string }): Promise<void> {
  const { takeLogicalBackup } = await import('../src/services/backups/logical-dump.ts');
  const { createS3Client } = await import('../src/services/s3/client.ts');
  const s3 = createS3Client({ endpoint: o.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', timeoutMs: 120_000 });
  const t0 = performance.now();
  const b = await takeLogicalBackup({ host: o.socket, port: o.port, user: 'postgres', password: '', binDir: BIN }, { s3, bucket: BUCKET, dir: 'spilo/bench/u/logical_backups/' }, { format: o.format, cluster: 'bench', uid: 'u' });
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`${JSON.stringify({ seconds, stored: b.size, peakMiB: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
}

export async function benchLogical(): Promise<Record<string, unknown>[]> {
  const mb = Number(process.env.BENCH_LOGICAL_MB ?? 300);
  const root = mkdtempSync(join(tmpdir(), 'zpg-bench-logical-'));
  chmodSync(root, 0o777);
  const data = join(root, 'pg');
  const port = 55000 + (process.pid % 400);
  const { startS3Server } = await import('../src/sandbox/s3/server.ts');
  mkdirSync(join(root, 's3'));
  const s3 = await startS3Server({ directory: join(root, 's3'), buckets: [BUCKET] });
  try {
    asPostgres(`${BIN}/initdb`, ['-D', data, '-A', 'trust', '-U', 'postgres']);
    asPostgres(`${BIN}/pg_ctl`, ['-D', data, '-w', '-l', join(root, 'pg.log'), '-o', `-p ${port} -k ${root} -c listen_addresses='' -c fsync=off`, 'start']);
    const psql = (sql: string, db = 'postgres') => execFileSync(`${BIN}/psql`, ['-h', root, '-p', String(port), '-U', 'postgres', '-d', db, '-XAtqc', sql], { encoding: 'utf8' });
    psql('CREATE DATABASE bench');
    // ~100 bytes a row, mixed types, text that compresses like real data (not zeros, not noise).
    const rows = Math.round((mb * 1048576) / 100);
    psql(`CREATE TABLE t AS SELECT g AS id, md5(g::text) || ' ' || (g % 977)::text AS s, g * 1.5 AS n, timestamptz '2026-01-01' + g * interval '1 s' AS at FROM generate_series(1, ${rows}) g`, 'bench');
    const size = Number(psql("SELECT pg_database_size('bench')"));
    const conn = `-h ${root} -p ${port} -U postgres`;
    const out: Record<string, unknown>[] = [];
    // Each pair runs ROUNDS times, baseline and zpg in turn, so both meet the same caches and the same
    // background load; the row reports the medians and the spread of the per-round ratios.
    const rounds = Math.max(1, Number(process.env.BENCH_LOGICAL_ROUNDS ?? 3));
    const pair = async (name: string, baselineCmd: string, format: 'set' | 'dumpall') => {
      const base: number[] = [];
      const runs: { seconds: number; stored: number; peakMiB: number }[] = [];
      for (let i = 0; i < rounds; i++) {
        base.push(await timed(baselineCmd));
        runs.push(await zpgBackup(format, root, port, s3.endpoint));
      }
      const zs = median(runs.map((r) => r.seconds));
      const bs = median(base);
      const ratios = runs.map((r, i) => base[i]! / r.seconds).sort((a, b) => a - b);
      out.push({
        bench: 'logical',
        case: name,
        dbMiB: Math.round(size / 1048576),
        rounds,
        baselineS: Number(bs.toFixed(1)),
        zpgS: Number(zs.toFixed(1)),
        zpgMiBps: Number((size / 1048576 / zs).toFixed(1)),
        throughputVsBaseline: Number((bs / zs).toFixed(2)),
        perRound: `${ratios[0]!.toFixed(2)}-${ratios.at(-1)!.toFixed(2)}`,
        goal: '>= 0.8x',
        storedMiB: Number((runs.at(-1)!.stored / 1048576).toFixed(1)),
        zpgPeakRssMiB: Math.max(...runs.map((r) => r.peakMiB)),
      });
    };
    // set: pg_dump -Fc per database (+ globals) streamed to S3, against pg_dump -Fc of the same database to /dev/null
    await pair('set vs pg_dump -Fc > /dev/null', `${BIN}/pg_dump ${conn} -Fc -d bench > /dev/null`, 'set');
    // dumpall: Zalando's pg_dumpall | gzip, against the same pipeline to /dev/null
    await pair('dumpall vs pg_dumpall | gzip > /dev/null', `${BIN}/pg_dumpall ${conn} | gzip -6 > /dev/null`, 'dumpall');
    return out;
  } finally {
    try {
      asPostgres(`${BIN}/pg_ctl`, ['-D', data, '-m', 'immediate', 'stop']);
    } catch {
      // never started
    }
    await s3.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.env.ZPG_BENCH_LOGICAL_CHILD) await child(JSON.parse(process.env.ZPG_BENCH_LOGICAL_CHILD) as Parameters<typeof child>[0]);
