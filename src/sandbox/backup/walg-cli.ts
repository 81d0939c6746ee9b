// The command PostgreSQL and Patroni call in the sandbox where Spilo calls
// wal-g: archive_command, restore_command, the replica-creation method and
// the clone bootstrap. Run by Node directly (types stripped), as the member's
// user: `node walg-cli.ts --config FILE <command> ...`. Exit 0 on success,
// 1 when the file or backup does not exist, 2 on errors.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { backupFetch, backupPush, pickBackup, walFetch, walPush } from './walg.ts';
import type { WalgConfig, WalgTarget } from './walg-env.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** Patroni appends --scope=, --datadir=, --role=, --connstring= and method options: read what we need, ignore the rest. */
function parse(argv: string[]): { config: string; command: string; positional: string[]; flags: Record<string, string> } {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--([^=]+)=(.*)$/s.exec(a);
    if (m) flags[m[1]] = m[2];
    else if (a === '--config') flags.config = argv[++i];
    else positional.push(a);
  }
  const [command = '', ...rest] = positional;
  return { config: flags.config ?? '', command, positional: rest, flags };
}

const fail = (code: number, message: string): never => {
  process.stderr.write(`walg (sandbox stand-in): ${message}\n`);
  process.exit(code);
};

/** An empty directory, or one with nothing but what a fresh volume holds */
const isEmpty = (dir: string) => !existsSync(dir) || readdirSync(dir).filter((f) => f !== 'lost+found').length === 0;

/** The clone's source prefix: Spilo tries wal/<ver>/ for each version up to ours, highest first, then the prefix as given. */
async function cloneSource(c: NonNullable<WalgConfig['clone']>, before?: Date) {
  const candidates: WalgTarget[] = [];
  if (/(^|\/)spilo\/.*\/wal\/$/.test(c.prefix)) for (let v = 15; v >= 9; v--) candidates.push({ ...c, prefix: `${c.prefix}${v}/` });
  candidates.push(c);
  for (const t of candidates) {
    const b = await pickBackup(t, { before });
    if (b) return { target: t, backup: b };
  }
  return undefined;
}

async function main(): Promise<void> {
  const { config, command, positional, flags } = parse(process.argv.slice(2));
  if (!config) fail(2, 'missing --config FILE');
  const c = JSON.parse(readFileSync(config, 'utf8')) as WalgConfig;
  const clonePrefixFile = join(dirname(config), 'clone-prefix');
  const own = () => c.own ?? fail(2, 'no backup store configured (WAL_S3_BUCKET or WALG_S3_PREFIX)');
  switch (command) {
    case 'wal-push':
      await walPush(own(), positional[0] ?? fail(2, 'wal-push PATH'));
      return;
    case 'wal-fetch': {
      const [name, dest] = positional;
      if (!name || !dest) fail(2, 'wal-fetch NAME DEST');
      // The clone's restore_command reads from the prefix its base backup came from.
      const t = flags.source === 'clone' ? { ...c.clone!, prefix: readFileSync(clonePrefixFile, 'utf8').trim() } : own();
      if (!(await walFetch(t, name, dest))) process.exit(1);
      return;
    }
    case 'backup-push':
      process.stdout.write(`${await backupPush(own(), c)}\n`);
      return;
    case 'replica-restore': {
      // Spilo's wale_restore.sh: the latest base backup, or exit non-zero so Patroni tries basebackup next.
      const dataDir = flags.datadir ?? fail(2, '--datadir missing');
      if (!c.own) fail(1, 'no backup store configured');
      const b = await pickBackup(c.own!);
      if (!b) fail(1, `no base backup under s3://${c.own!.bucket}/${c.own!.prefix}`);
      await backupFetch(c.own!, b!, dataDir);
      process.stdout.write(`restored ${b!.id}\n`);
      return;
    }
    case 'clone': {
      const dataDir = flags.datadir ?? fail(2, '--datadir missing');
      if (!c.clone) fail(2, 'no clone source configured (CLONE_METHOD=CLONE_WITH_WALE with CLONE_WAL_S3_BUCKET)');
      if (!isEmpty(dataDir)) fail(2, `${dataDir} is not empty`);
      const time = flags['recovery-target-time'] || c.clone!.targetTime;
      let before: Date | undefined;
      if (time) {
        // Like Spilo's clone_with_wale.py: a target without a zone is refused.
        if (!/(Z|[+-]\d\d(:?\d\d)?)$/i.test(time.trim()) || Number.isNaN(Date.parse(time))) fail(2, `recovery target time "${time}" needs a timezone, e.g. 2026-12-04T18:00:00+00:00`);
        before = new Date(time);
      }
      const found = await cloneSource(c.clone!, before);
      if (!found) fail(1, before ? `Could not find any backups prior to the point in time ${time}` : 'Could not find any backups');
      writeFileSync(clonePrefixFile, found!.target.prefix);
      await backupFetch(found!.target, found!.backup, dataDir);
      process.stdout.write(`restored ${found!.backup.id} from s3://${found!.target.bucket}/${found!.target.prefix}\n`);
      return;
    }
    default:
      fail(2, `unknown command "${command}" (wal-push, wal-fetch, backup-push, replica-restore, clone)`);
  }
}

main().catch((e: unknown) => fail(2, e instanceof Error ? e.message : String(e)));
