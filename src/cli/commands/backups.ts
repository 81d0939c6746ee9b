// `zpg backups CLUSTER` and `zpg backups --deleted`: the S3 catalog of a
// cluster (base backups, WAL window, logical backups) and the clusters the
// bucket still holds that no postgresql object owns any more. Without either,
// every cluster of the namespace (-A: all) in one table (backups-all.ts).
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
import { age, bytes, parseOutput, structured, table } from '../format.ts';
import { backupS3Flags, type BackupS3Flags } from '../../services/backups/s3-settings.ts';

interface BackupsFlags extends BackupS3Flags {
  output?: string;
  deleted?: boolean;
  uid?: string;
  full?: boolean;
  operatorConfig?: string;
}


export function registerBackups(program: Command): void {
  program
    .command('backups [cluster]')
    .description('list a cluster\'s backups in S3 and its restorable window; without a cluster, every cluster\'s newest backups and window (-A: all namespaces); --deleted lists clusters left in the bucket')
    .option('-o, --output <format>', 'json or yaml')
    .option('--deleted', 'list name/uid pairs under spilo/ whose postgresql object is gone')
    .option('--uid <uid>', 'the cluster uid (default: read from the postgresql object; needed for deleted clusters)')
    .option('--bucket <name>', 'WAL bucket (default: env WAL_S3_BUCKET, the cluster\'s spec.env, the operator\'s wal_s3_bucket)')
    .option('--operator-config <ref>', 'the operator configuration to read S3 settings from: NS/NAME (ConfigMap) or operatorconfiguration/NS/NAME (default: env ZPG_OPERATOR_CONFIG, else found)')
    .option('--logical-bucket <name>', 'logical backup bucket (default: env LOGICAL_BACKUP_S3_BUCKET, the operator\'s logical_backup_s3_bucket, else the WAL bucket)')
    .option('--logical-prefix <prefix>', 'logical backup key prefix (default: the operator\'s logical_backup_s3_bucket_prefix, else spilo)')
    .option('--endpoint <url>', 'S3 endpoint (default: env AWS_ENDPOINT, the cluster\'s spec.env, the operator\'s pod environment or logical_backup_s3_endpoint; AWS when none)')
    .option('--region <region>', 'S3 region (default: env AWS_REGION)')
    .option('--path-style', 'path-style addressing (default on with a custom endpoint)')
    .option('--full', 'list every WAL file from the oldest backup on to check the whole window for gaps')
    .action(async (cluster: string | undefined, flags: BackupsFlags, cmd: Command) => {
      const format = parseOutput(flags.output, ['table', 'json', 'yaml']);
      const [{ loadBackupS3, catalogSettingsFrom }, { describeStore }, catalog, { kubeFrom, withKube }, k8s] = await Promise.all([
        import('../../services/backups/s3-sources.ts'),
        import('../../services/backups/s3-settings.ts'),
        import('../../services/backups/catalog.ts'),
        import('../kube-command.ts'),
        import('@kubernetes/client-node'),
      ]);
      // With --uid the catalog needs no cluster access: a deleted cluster's backups are read from S3 alone.
      const kube = () => kubeFrom(cmd);
      const k = flags.uid !== undefined && !flags.deleted ? (() => { try { return kube(); } catch { return undefined; } })() : kube();
      type Pg = { metadata: { name: string; namespace: string; uid: string }; spec?: { env?: import('@kubernetes/client-node').V1EnvVar[] } };
      const pgs = k
        ? await withKube(k, async () => {
            const api = k.kc.makeApiClient(k8s.CustomObjectsApi);
            return ((await api.listClusterCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls' })) as { items: Pg[] }).items;
          }).catch((e: unknown) => {
            // Reading S3 by --uid works without the API; anything else needs it.
            if (flags.uid !== undefined && !flags.deleted) return [] as Pg[];
            throw e;
          })
        : [];
      if (!cluster && !flags.deleted) {
        const [{ listAllBackups }, { SilentExit }] = await Promise.all([import('./backups-all.ts'), import('../task-command.ts')]);
        const code = await listAllBackups({ kc: k!.kc, namespace: k!.namespace, allNamespaces: k!.allNamespaces, postgresqls: pgs, flags: backupS3Flags(flags), operatorConfig: flags.operatorConfig, format: format as 'table' | 'json' | 'yaml' });
        // each cluster's error is in its row already
        if (code) throw new SilentExit(code);
        return;
      }
      const clusters = async () => pgs.map((i) => i.metadata);
      const live = cluster ? pgs.find((p) => p.metadata.name === cluster && p.metadata.namespace === k?.namespace) : undefined;
      const loaded = await loadBackupS3(k?.kc, {
        flags: backupS3Flags(flags),
        env: process.env,
        operatorConfig: flags.operatorConfig,
        namespace: k?.namespace ?? 'default',
        ...(live ? { cluster: { name: live.metadata.name, env: live.spec?.env } } : {}),
      }).catch((e: unknown) => {
        throw new UsageError(e instanceof Error ? e.message : String(e), e instanceof Error && e.message.startsWith('--operator-config') ? 2 : 1);
      });
      const r = loaded.settings;
      const walBucket = r.wal.bucket;
      if (!walBucket) throw new UsageError(`zpg backups: no WAL bucket: pass --bucket NAME, set WAL_S3_BUCKET, or configure wal_s3_bucket in the operator configuration (${loaded.operatorConfig})`);
      const endpoint = r.wal.s3.endpoint;
      const settings = await catalogSettingsFrom(r);
      const s3Error = (e: unknown): never => {
        throw new UsageError(`S3 ${endpoint ?? 'AWS'} bucket ${walBucket}: ${e instanceof Error ? e.message || e.name : String(e)} (settings: ${describeStore(r.wal)})`, 1);
      };

      if (flags.deleted) {
        const [found, live] = await Promise.all([catalog.findClustersInBucket(settings).catch(s3Error), clusters()]);
        const liveUids = new Set(live.map((c) => `${c.name}/${c.uid}`));
        const deleted = found.refs.filter((r) => !liveUids.has(`${r.cluster}/${r.uid}`) && (!cluster || r.cluster === cluster));
        if (format === 'json' || format === 'yaml') return void process.stdout.write(structured(format, deleted.map((d) => ({ cluster: d.cluster, uid: d.uid }))));
        process.stdout.write(deleted.length ? table(['CLUSTER', 'UID'], deleted.map((d) => [d.cluster, d.uid || '<none>'])) : 'No deleted clusters in the bucket.\n');
        return;
      }

      let uid = flags.uid;
      if (uid === undefined) {
        const here = (await clusters()).filter((c) => c.namespace === k?.namespace);
        const pg = here.find((c) => c.name === cluster);
        if (!pg) throw new UsageError(`cluster "${cluster}" not found in namespace ${k?.namespace}; clusters there: ${here.map((c) => c.name).sort().join(', ') || 'none'}; for a deleted cluster pass --uid (see zpg backups --deleted)`, 1);
        uid = pg.uid;
      }
      const c = await catalog.readClusterBackups(settings, { cluster: cluster!, namespace: k?.namespace, uid }, { full: flags.full }).catch(s3Error);
      if (format === 'json' || format === 'yaml') return void process.stdout.write(structured(format, c));
      const w = c.window;
      const out = [
        `Store:    ${describeStore(r.wal)}`,
        `Cluster:  ${c.cluster} (uid ${c.uid || '<none>'}) in s3://${c.walBucket}/${c.walPrefixes[0] ?? `spilo/${c.cluster}/${c.uid}/wal/`}`,
        `Window:   ${w.from ? `${w.from} → ${w.to} (WAL to ${w.toSegment})` : 'none (no base backup with its WAL archived)'}`,
        ...(w.timelines.length ? [`Timelines: ${w.timelines.map((t) => `${t.parent}→${t.timeline} at ${t.switchLsn}`).join(', ')}`] : []),
        ...(w.gaps.length ? [`Gaps:     ${w.gaps.map((g) => `TL ${g.timeline} ${g.from}..${g.to}`).join(', ')} (restores stop before a gap)`] : []),
        '',
        c.baseBackups.length
          ? table(['BASE BACKUP', 'FORMAT', 'TL', 'START LSN', 'FINISHED', 'AGE', 'SIZE'], c.baseBackups.map((b) => [b.id, b.format, String(b.timeline), b.startLsn ?? '', b.finishTime, age(b.finishTime), bytes(b.compressedSize ?? b.uncompressedSize)]))
          : 'No base backups.\n',
        c.logicalBackups.length
          ? table(['LOGICAL BACKUP', 'KIND', 'TAKEN', 'AGE', 'SIZE'], c.logicalBackups.map((l) => [l.id, l.kind, l.time, age(l.time), bytes(l.size)]))
          : 'No logical backups.\n',
      ];
      process.stdout.write(out.join('\n'));
    });
}
