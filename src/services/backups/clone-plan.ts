// A clone from S3, planned before anything is created: the source (live, or
// deleted and named by uid), the restorable window from the catalog, the
// target time checked against it, the base backup Spilo will pick (the newest
// whose sentinel was uploaded before the time), the WAL it will replay, and
// the manifest. Used by `zpg restore clone` and the console's clone wizard.
import * as k8s from '@kubernetes/client-node';
import { Document, Scalar } from 'yaml';
import type { TaskEnv } from '../tasks/facts.ts';
import { withTimeout } from '../postgres/credentials.ts';
import { BadInput } from '../tasks/types.ts';
import type { BaseBackup } from './base-backups.ts';
import { readClusterBackups, type ClusterBackups } from './catalog.ts';
import { badClusterName, buildCloneManifest, buildCopyManifest, type SourceSpec } from './clone-manifest.ts';
import { parseTargetTime, utc } from './clone-time.ts';
import { WAL, parseWalKey } from './layout.ts';
import { catalogSettingsFrom, loadBackupS3 } from './s3-sources.ts';
import type { BackupS3Flags, ResolvedBackupS3 } from './s3-settings.ts';
import { list, type Reader } from './s3-list.ts';

export interface CloneRequest {
  cluster: string;
  namespace: string;
  to: string;
  time?: string;
  latest?: boolean;
  uid?: string;
  /** a copy of the running source instead (pg_basebackup from its leader when the clone starts): no time, no backups */
  copy?: boolean;
  /** the clone's namespace when it is not the source's */
  toNamespace?: string;
  /** the plan of an apply: its task marks the present on a live source first, and --latest is that moment */
  applying?: boolean;
}

export interface ClonePlan {
  manifest: Record<string, unknown>;
  yaml: string;
  /** RFC 3339 UTC */
  instant: string;
  /** "2026-12-05 10:00 (Europe/Berlin) means 2026-12-05T09:00:00Z" */
  said: string;
  /** restored from backups, or copied from the running source (then there is no base backup, WAL range or window) */
  method: 'backup' | 'copy';
  baseBackup?: { id: string; finishTime: string; modified: string };
  walRange?: { from: string; to: string; timeline: number };
  /** the WAL the clone needs ends past the archive: the apply marks the present first (walRange.to is what is archived now) */
  marksFirst: boolean;
  /** where the clone is created */
  namespace: string;
  /** the rest, for the CLI and the task */
  source: { cluster: string; namespace: string; uid: string; live: boolean };
  window?: { from: string; to: string };
  store: string;
  notes: string[];
}

export interface CloneEnv extends Pick<TaskEnv, 'kc' | 'namespace'> {
  /** settings resolved by the caller (flags); otherwise env + the operator's configuration */
  s3?: ResolvedBackupS3;
  s3Flags?: BackupS3Flags;
  operatorConfig?: string;
  /** the instant to use instead of --time/--latest (the task's "mark the present" step) */
  at?: Date;
}

const PG = { group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls' } as const;

interface PgObject {
  metadata?: { name?: string; namespace?: string; uid?: string };
  spec?: SourceSpec & { env?: k8s.V1EnvVar[] };
}

async function readPg(kc: k8s.KubeConfig, namespace: string, name: string): Promise<PgObject | undefined> {
  try {
    return (await kc.makeApiClient(k8s.CustomObjectsApi).getNamespacedCustomObject({ ...PG, namespace, name })) as PgObject;
  } catch (e) {
    if ((e as { code?: number }).code === 404) return undefined;
    throw e;
  }
}

/** Spilo tries wal/<version>/ newest first and takes the first one with a backup strictly before the time. */
export function pickBaseBackup(c: Pick<ClusterBackups, 'walPrefixes' | 'baseBackups'>, at: Date): BaseBackup | undefined {
  for (const prefix of c.walPrefixes) {
    const before = c.baseBackups.filter((b) => b.prefix === prefix && Date.parse(b.modified) < at.getTime());
    if (before.length) return before.sort((a, b) => a.modified.localeCompare(b.modified)).at(-1);
  }
  return undefined;
}

/** The first archived segment uploaded at or after the time (replay reads up to it), from the backup's start on. */
async function walUpTo(r: Reader, backup: BaseBackup, at: Date): Promise<{ segment: string; timeline: number } | undefined> {
  const { objects } = await list(r, backup.prefix + WAL, { startAfter: `${backup.prefix}${WAL}${backup.startSegment}` });
  let best: { segment: string; timeline: number; t: number } | undefined;
  for (const o of objects) {
    const k = parseWalKey(o.key.slice(backup.prefix.length + WAL.length));
    if (k?.kind !== 'segment' || k.segment.timeline < backup.timeline) continue;
    const t = o.lastModified.getTime();
    if (t >= at.getTime() && (!best || t < best.t)) best = { segment: k.name, timeline: k.segment.timeline, t };
  }
  return best;
}

/** YAML with the timestamp quoted, as Zalando's docs write it: YAML 1.1 readers (kubectl's) would take it for a date. */
export function manifestYaml(manifest: Record<string, unknown>): string {
  const doc = new Document(manifest);
  const ts = doc.getIn(['spec', 'clone', 'timestamp'], true);
  if (ts instanceof Scalar) ts.type = Scalar.QUOTE_DOUBLE;
  return doc.toString();
}

export function windowText(c: ClusterBackups): string {
  return c.window.from ? `${c.window.from} → ${c.window.to}` : 'none';
}

export async function planCloneManifest(env: CloneEnv, req: CloneRequest): Promise<ClonePlan> {
  const bad = badClusterName(req.to);
  if (bad) throw new BadInput(`--to ${req.to}: not a cluster name: ${bad}`);
  const elsewhere = req.toNamespace !== undefined && req.toNamespace !== req.namespace;
  if (req.to === req.cluster && !req.uid && !elsewhere) throw new BadInput(`--to ${req.to}: the clone needs a new name (to restore a deleted cluster under its old name, pass --uid)`);
  if (req.copy && elsewhere) throw new BadInput(`--copy and --to-namespace ${req.toNamespace}: a copy reaches its source by the Service name in its own namespace (Spilo's CLONE_HOST); restore from backups across namespaces (--time or --latest)`);
  if (req.copy) return planCopy(env, req);
  if (req.time && req.latest) throw new BadInput('--time and --latest: pick one');
  if (!req.time && !req.latest && !env.at) throw new BadInput('name the point to restore to: --time T (inside the restorable window, see zpg backups) or --latest');
  const parsed = req.time && !env.at ? parseTargetTime(req.time, { flag: '--time' }) : undefined;
  const target = req.toNamespace ?? req.namespace;
  const [source, existing] = await Promise.all([readPg(env.kc, req.namespace, req.cluster), readPg(env.kc, target, req.to)]);
  if (existing && !(target === req.namespace && req.to === req.cluster && existing.metadata?.uid !== req.uid && !source)) throw new BadInput(`--to ${req.to}: a cluster named ${req.to} exists in namespace ${target} already; pick another name`);
  const uid = req.uid ?? source?.metadata?.uid;
  if (!uid) throw new BadInput(`cluster "${req.cluster}" not found in namespace ${req.namespace}; for a deleted cluster pass --uid UID (zpg backups --deleted lists them)`);
  const live = source !== undefined && source.metadata?.uid === uid;
  const notes: string[] = [];
  if (source && !live) notes.push(`${req.cluster} exists with another uid (${source.metadata?.uid}); restoring the deleted one with uid ${uid}, its spec copied from the live manifest`);

  const loaded = env.s3 ? { settings: env.s3, operatorConfig: '' } : await loadBackupS3(env.kc, { flags: env.s3Flags, operatorConfig: env.operatorConfig, namespace: req.namespace, ...(source ? { cluster: { name: req.cluster, env: source.spec?.env } } : {}) });
  const s3 = loaded.settings;
  if (!s3.wal.bucket) throw new BadInput(`no WAL bucket to clone from: pass --bucket, set WAL_S3_BUCKET, or configure wal_s3_bucket in the operator configuration${loaded.operatorConfig ? ` (${loaded.operatorConfig})` : ''}`);
  const settings = await catalogSettingsFrom(s3);
  const { describeStore } = await import('./s3-settings.ts');
  const catalog = await readClusterBackups(settings, { cluster: req.cluster, namespace: req.namespace, uid });
  const where = `s3://${s3.wal.bucket}/spilo/${req.cluster}/${uid}/wal/`;
  if (!catalog.window.from || !catalog.window.to) {
    throw new BadInput(`${req.time ? `--time ${req.time}` : '--latest'}: ${req.cluster} (uid ${uid}) has no restorable window in ${where}: ${catalog.baseBackups.length ? 'no base backup has its WAL archived yet' : 'no base backup'}`);
  }
  // --latest on a live source, applied: the present, which the task marks (and archives) before it plans again.
  const markedLater = Boolean(req.latest && req.applying && live && !env.at);
  if (parsed && live && parsed.instant.getTime() > Date.now()) throw new BadInput(`--time ${req.time} (${utc(parsed.instant)}): in the future; now is ${utc(new Date())}`);
  // A past time the archive does not reach yet, on a live source, applied: the task's mark of the present archives through it.
  const reachedLater = Boolean(parsed && req.applying && live && !env.at && parsed.instant.getTime() > Date.parse(catalog.window.to));
  const at = env.at ?? (parsed ? parsed.instant : markedLater ? new Date(Math.max(Date.now(), Date.parse(catalog.window.to))) : new Date(catalog.window.to));
  const flag = req.time ? `--time ${req.time}` : '--latest';
  const oldest = catalog.baseBackups.filter((b) => b.prefix === catalog.walPrefixes[0]).sort((a, b) => a.modified.localeCompare(b.modified))[0];
  // Spilo needs a backup uploaded strictly before the time: the window starts there for a clone.
  const start = oldest && Date.parse(oldest.modified) > Date.parse(catalog.window.from) ? oldest.modified : catalog.window.from;
  const windowSaid = `the restorable window is ${start} → ${catalog.window.to}`;
  const applyHint = live ? ': run with --apply, which archives the present first, or try again later' : '';
  // Right after a first backup the archive may end before its upload: the end of the window is then no point to restore to.
  if (req.latest && !env.at && !markedLater && at.getTime() <= Date.parse(start)) throw new BadInput(`--latest: no WAL of ${req.cluster} is archived after its oldest base backup's upload (${start}) yet${applyHint}`);
  if (at.getTime() <= Date.parse(start)) throw new BadInput(`${flag}${parsed ? ` (${utc(parsed.instant)})` : ''}: before the oldest base backup of ${req.cluster}; ${windowSaid}`);
  if (at.getTime() > Date.parse(catalog.window.to) && !markedLater && !reachedLater) {
    const hint = live ? `; WAL after it is not archived yet${applyHint}` : '';
    throw new BadInput(`${flag}${parsed ? ` (${utc(parsed.instant)})` : ''}: after the end of the restorable window (the last archived WAL); ${windowSaid}${hint}`);
  }
  const backup = pickBaseBackup(catalog, at);
  if (!backup) throw new BadInput(`${flag}: no base backup of ${req.cluster} was uploaded before ${utc(at)}; ${windowSaid}`);
  const reader: Reader = { s3: settings.s3, bucket: s3.wal.bucket, requests: 0 };
  const upTo = await walUpTo(reader, backup, at);
  const walRange = { from: backup.startSegment, to: upTo?.segment ?? catalog.window.toSegment ?? backup.startSegment, timeline: upTo?.timeline ?? backup.timeline };
  const pgMajor = /\/wal\/(\d+)\/$/.exec(backup.prefix)?.[1] ?? (backup.pgVersion ? String(Math.floor(backup.pgVersion / 10000)) : undefined);
  const offsetText = parsed ? parsed.rfc3339 : at.toISOString().replace('Z', '+00:00');
  const manifest = buildCloneManifest({ name: req.to, namespace: target, source: { cluster: req.cluster, uid, spec: source?.spec }, timestamp: offsetText, pgMajor, s3, walPrefix: backup.prefix });
  if (target !== req.namespace) {
    // Its env names Secrets (S3 keys) by name: in another namespace they must be there too, or its pods cannot start.
    const missing = await missingSecrets(env.kc, target, manifest);
    if (missing.length) throw new BadInput(`--to-namespace ${target}: ${req.to}'s env takes values from ${missing.join(', ')}, which ${target} does not have: copy ${missing.length > 1 ? 'them' : 'it'} from ${req.namespace} to ${target} first (the keys only), then run this again`);
    notes.push(`into namespace ${target}: the source stays in ${req.namespace}; ${req.to}'s Secrets (its users' passwords) are new ones there`);
  }
  if (!source) notes.push(`${req.cluster} is deleted: its manifest is gone, so the clone gets 1 instance, 1Gi and PostgreSQL ${pgMajor ?? '15'}; edit the manifest for more`);
  if (reachedLater) notes.push(`--time: the WAL through ${utc(at)} is not archived yet; the clone first marks the present on ${req.cluster} (a commit and a WAL switch, archived), which reaches it`);
  if (markedLater) notes.push(`--latest: the clone first marks the present on ${req.cluster} (a commit and a WAL switch, archived) and restores to it`);
  else if (req.latest && live && !env.at) notes.push(`--latest: --apply first marks the present on ${req.cluster} (a commit and a WAL switch, archived) and restores to it; this preview uses the end of the window, and recovery to it needs a commit after it in the archive`);
  if (!live) notes.push('recovery needs a commit after the target time in the archive; a time after the deleted cluster\'s last commit fails with "recovery ended before configured recovery target was reached"');
  return {
    manifest,
    yaml: manifestYaml(manifest),
    instant: utc(at),
    said: parsed ? parsed.said : env.at ? `the present on ${req.cluster}: ${utc(at)}` : markedLater ? `--latest: the present on ${req.cluster}, marked when the clone is created` : `--latest: the end of the window, ${utc(at)}`,
    baseBackup: { id: backup.id, finishTime: backup.finishTime, modified: backup.modified },
    walRange,
    method: 'backup',
    marksFirst: markedLater || reachedLater,
    source: { cluster: req.cluster, namespace: req.namespace, uid, live },
    namespace: target,
    window: { from: start, to: catalog.window.to },
    store: describeStore(s3.wal),
    notes,
  };
}

/** Secret keys the manifest's env refers to that `namespace` lacks, as "Secret NAME (key KEY)". */
async function missingSecrets(kc: k8s.KubeConfig, namespace: string, manifest: Record<string, unknown>): Promise<string[]> {
  const env = ((manifest.spec as { env?: { valueFrom?: { secretKeyRef?: { name?: string; key?: string } } }[] }).env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef?.name && e.valueFrom.secretKeyRef.key ? [e.valueFrom.secretKeyRef as { name: string; key: string }] : []));
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const secrets = new Map<string, Promise<Record<string, string> | undefined>>();
  const missing: string[] = [];
  for (const ref of env) {
    if (!secrets.has(ref.name)) {
      const read = withTimeout(core.readNamespacedSecret({ namespace, name: ref.name }), 10_000, `reading Secret ${namespace}/${ref.name}`);
      secrets.set(ref.name, read.then((s) => s.data ?? {}, (e: unknown) => ((e as { code?: number }).code === 404 ? undefined : Promise.reject(e))));
    }
    const data = await secrets.get(ref.name)!;
    const what = `Secret ${ref.name} (key ${ref.key})`;
    if (data?.[ref.key] === undefined && !missing.includes(what)) missing.push(what);
  }
  return missing;
}

/** --copy: the running source as it is when the clone's first member starts, streamed from its leader (Spilo's CLONE_WITH_BASEBACKUP). */
async function planCopy(env: CloneEnv, req: CloneRequest): Promise<ClonePlan> {
  if (req.time || req.latest || req.uid) throw new BadInput('--copy: a copy is of the running cluster as it is then; it takes no --time, --latest or --uid (those restore from backups)');
  const [source, existing] = await Promise.all([readPg(env.kc, req.namespace, req.cluster), readPg(env.kc, req.namespace, req.to)]);
  if (existing) throw new BadInput(`--to ${req.to}: a cluster named ${req.to} exists in namespace ${req.namespace} already; pick another name`);
  if (!source?.metadata?.uid) throw new BadInput(`cluster "${req.cluster}" not found in namespace ${req.namespace}: --copy needs it running (a deleted cluster is restored from its backups: --uid UID --time T)`);
  const manifest = buildCopyManifest({ name: req.to, namespace: req.namespace, source: { cluster: req.cluster, spec: source.spec } });
  return {
    manifest,
    yaml: manifestYaml(manifest),
    instant: utc(new Date()),
    said: `a copy of ${req.cluster} as it is when ${req.to} starts`,
    method: 'copy',
    marksFirst: false,
    source: { cluster: req.cluster, namespace: req.namespace, uid: source.metadata.uid, live: true },
    namespace: req.namespace,
    store: 'none: pg_basebackup from the running cluster',
    notes: [`${req.to}'s first member copies ${req.cluster}'s leader with pg_basebackup as the replication user (Zalando's clone without a timestamp); ${req.cluster} must be running then, and its load feels the copy`],
  };
}
