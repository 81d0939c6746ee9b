// `zpg backups CLUSTER` and `zpg backups --deleted`: the S3 catalog of a
// cluster (base backups, WAL window, logical backups) and the clusters the
// bucket still holds that no postgresql object owns any more.
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
import { age, parseOutput, structured, table } from '../format.ts';

interface BackupsFlags {
  output?: string;
  deleted?: boolean;
  uid?: string;
  bucket?: string;
  logicalBucket?: string;
  logicalPrefix?: string;
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  full?: boolean;
}

const mb = (n: number | undefined) => (n === undefined ? '' : (n / 1048576).toFixed(1));

export function registerBackups(program: Command): void {
  program
    .command('backups [cluster]')
    .description('list a cluster\'s backups in S3 and its restorable window; --deleted lists clusters left in the bucket')
    .option('-o, --output <format>', 'json or yaml')
    .option('--deleted', 'list name/uid pairs under spilo/ whose postgresql object is gone')
    .option('--uid <uid>', 'the cluster uid (default: read from the postgresql object; needed for deleted clusters)')
    .option('--bucket <name>', 'WAL bucket (default: env WAL_S3_BUCKET)')
    .option('--logical-bucket <name>', 'logical backup bucket (default: env LOGICAL_BACKUP_S3_BUCKET, else the WAL bucket)')
    .option('--logical-prefix <prefix>', 'logical backup key prefix', 'spilo')
    .option('--endpoint <url>', 'S3 endpoint (default: env AWS_ENDPOINT; AWS when unset)')
    .option('--region <region>', 'S3 region (default: env AWS_REGION)')
    .option('--path-style', 'path-style addressing (default on with a custom endpoint)')
    .option('--full', 'list every WAL file from the oldest backup on to check the whole window for gaps')
    .action(async (cluster: string | undefined, flags: BackupsFlags, cmd: Command) => {
      const format = parseOutput(flags.output, ['table', 'json', 'yaml']);
      if (!cluster && !flags.deleted) throw new UsageError('zpg backups: name a cluster, or use --deleted');
      const [{ createS3Client, s3ConfigFromEnv }, catalog, { kubeFrom, withKube }, k8s] = await Promise.all([
        import('../../services/s3/client.ts'),
        import('../../services/backups/catalog.ts'),
        import('../kube-command.ts'),
        import('@kubernetes/client-node'),
      ]);
      const env = s3ConfigFromEnv(process.env);
      const walBucket = flags.bucket ?? process.env.WAL_S3_BUCKET;
      if (!walBucket) throw new UsageError('zpg backups: no bucket: pass --bucket NAME or set WAL_S3_BUCKET (the operator\'s wal_s3_bucket)');
      const endpoint = flags.endpoint ?? env.endpoint;
      const s3 = createS3Client({ ...env, ...(endpoint ? { endpoint } : {}), ...(flags.region ? { region: flags.region } : {}), ...(flags.pathStyle ? { forcePathStyle: true } : {}), timeoutMs: 20_000 });
      const settings = { s3, walBucket, logicalBucket: flags.logicalBucket ?? process.env.LOGICAL_BACKUP_S3_BUCKET, logicalPrefix: flags.logicalPrefix };
      // With --uid the catalog needs no cluster access: a deleted cluster's backups are read from S3 alone.
      const kube = () => kubeFrom(cmd);
      const k = flags.uid !== undefined && !flags.deleted ? (() => { try { return kube(); } catch { return undefined; } })() : kube();
      const s3Error = (e: unknown): never => {
        throw new UsageError(`S3 ${endpoint ?? 'AWS'} bucket ${walBucket}: ${e instanceof Error ? e.message || e.name : String(e)}`, 1);
      };
      const clusters = async () => {
        if (!k) return [];
        const api = k.kc.makeApiClient(k8s.CustomObjectsApi);
        const list = (await withKube(k, () => api.listClusterCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls' }))) as { items: { metadata: { name: string; namespace: string; uid: string } }[] };
        return list.items.map((i) => i.metadata);
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
        const pg = (await clusters()).find((c) => c.name === cluster && c.namespace === k?.namespace);
        if (!pg) throw new UsageError(`cluster "${cluster}" not found in namespace ${k?.namespace}; for a deleted cluster pass --uid (see zpg backups --deleted)`, 1);
        uid = pg.uid;
      }
      const c = await catalog.readClusterBackups(settings, { cluster: cluster!, namespace: k?.namespace, uid }, { full: flags.full }).catch(s3Error);
      if (format === 'json' || format === 'yaml') return void process.stdout.write(structured(format, c));
      const w = c.window;
      const out = [
        `Cluster:  ${c.cluster} (uid ${c.uid || '<none>'}) in s3://${c.walBucket}/${c.walPrefixes[0] ?? `spilo/${c.cluster}/${c.uid}/wal/`}`,
        `Window:   ${w.from ? `${w.from} → ${w.to} (WAL to ${w.toSegment})` : 'none (no base backup with its WAL archived)'}`,
        ...(w.timelines.length ? [`Timelines: ${w.timelines.map((t) => `${t.parent}→${t.timeline} at ${t.switchLsn}`).join(', ')}`] : []),
        ...(w.gaps.length ? [`Gaps:     ${w.gaps.map((g) => `TL ${g.timeline} ${g.from}..${g.to}`).join(', ')} (restores stop before a gap)`] : []),
        '',
        c.baseBackups.length
          ? table(['BASE BACKUP', 'FORMAT', 'TL', 'START LSN', 'FINISHED', 'AGE', 'SIZE(MB)'], c.baseBackups.map((b) => [b.id, b.format, String(b.timeline), b.startLsn ?? '', b.finishTime, age(b.finishTime), mb(b.compressedSize ?? b.uncompressedSize)]))
          : 'No base backups.\n',
        c.logicalBackups.length
          ? table(['LOGICAL BACKUP', 'KIND', 'TAKEN', 'AGE', 'SIZE(MB)'], c.logicalBackups.map((l) => [l.id, l.kind, l.time, age(l.time), mb(l.size)]))
          : 'No logical backups.\n',
      ];
      process.stdout.write(out.join('\n'));
    });
}
