// The backup catalog of the clusters in the store, read from S3 into the
// store's `backups` slice. Backups change slowly: every cluster is read every
// `intervalMs` (two minutes), the one open on screen every `focusIntervalMs`,
// and so is a cluster of the last hour that has no backup yet (its first one
// is news: the clusters view said `none` for two minutes after it), a few at a
// time, each read under a deadline. The deleted clusters in the default
// bucket and in every other store a live cluster uses are listed only while
// the backups browser is on screen, each read where it was found. With no
// bucket anywhere the slice says so (configured: false) and nothing is polled.
import type { ClusterRef } from '../backups/catalog.ts';
import { findClustersInBucket, readClusterBackups, type CatalogSettings } from '../backups/catalog.ts';
import type { PostgresqlLike } from '../clusters/summary.ts';
import type { ZpgStore } from '../../store/store.ts';
import { DEFAULT_LOGICAL_SCHEDULE, SPILO_BACKUP_SCHEDULE, type Schedules } from './backups-schedule.ts';
import type { ClusterBackupsView } from './backups-types.ts';

/** Where backups are: the catalog's settings and a name for the screen ("s3://bucket"). */
export interface BackupSource {
  settings: CatalogSettings;
  source: string;
}

export interface BackupsFeedOptions {
  /** resolves the S3 settings once; undefined = no bucket configured */
  source: () => Promise<BackupSource | undefined>;
  /** a live cluster's own store (its spec.env may name another); without it, every cluster is on `source` */
  sourceFor?: (pg: FeedManifest) => Promise<BackupSource | undefined>;
  intervalMs?: number;
  focusIntervalMs?: number;
  /** the browser's listing of deleted clusters */
  deletedIntervalMs?: number;
  /** per catalog read (all its requests) */
  timeoutMs?: number;
  concurrency?: number;
  /** the operator's logical_backup_schedule, for clusters without their own */
  logicalSchedule?: string;
  /** base backups' schedule (Spilo's BACKUP_SCHEDULE) unless the cluster's spec.env sets one */
  baseSchedule?: string;
  /**
   * every live cluster in every namespace (name and uid): the store holds only the watched namespace, and a
   * cluster elsewhere is not deleted. Without it (or when it fails) the store's clusters are the live ones.
   */
  liveClusters?: () => Promise<{ name: string; uid: string }[]>;
}

export interface BackupsFeed {
  /** read this cluster (namespace/name) again now, e.g. after a backup task */
  refresh(key?: string): void;
  stop(): void;
}

export type FeedManifest = PostgresqlLike & {
  metadata?: { uid?: string };
  spec?: { enableLogicalBackup?: boolean; logicalBackupSchedule?: string; env?: { name?: string; value?: string }[] };
};

/** What a cluster's backups are expected to follow, from its manifest. */
export function schedulesOf(pg: FeedManifest, o: Pick<BackupsFeedOptions, 'logicalSchedule' | 'baseSchedule'>, walBucket: boolean): Schedules {
  const env = pg.spec?.env?.find((e) => e.name === 'BACKUP_SCHEDULE')?.value;
  const created = pg.metadata?.creationTimestamp;
  return {
    ...(walBucket ? { base: env || o.baseSchedule || SPILO_BACKUP_SCHEDULE } : {}),
    ...(pg.spec?.enableLogicalBackup ? { logical: pg.spec.logicalBackupSchedule || o.logicalSchedule || DEFAULT_LOGICAL_SCHEDULE } : {}),
    ...(created ? { since: created instanceof Date ? created.toISOString() : created } : {}),
  };
}

/** How long after its creation a cluster without any backup is read as often as the open one. */
const FIRST_BACKUP_WATCH_MS = 3_600_000;

function awaitsFirstBackup(pg: FeedManifest, view: ClusterBackupsView | undefined, now: number): boolean {
  const c = view?.catalog;
  if (c && (c.baseBackups.length || c.logicalBackups.length)) return false;
  const created = new Date(pg.metadata?.creationTimestamp ?? NaN).getTime();
  return now - created < FIRST_BACKUP_WATCH_MS;
}

const message = (e: unknown) => (e instanceof Error ? e.message || e.name : String(e));

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${Math.round(ms / 1000)} s`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

export function startBackupsFeed(store: ZpgStore, opts: BackupsFeedOptions): BackupsFeed {
  const interval = opts.intervalMs ?? 120_000;
  const focusInterval = opts.focusIntervalMs ?? 20_000;
  const deletedInterval = opts.deletedIntervalMs ?? 60_000;
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const concurrency = opts.concurrency ?? 4;
  const tick = Math.min(focusInterval, 5_000);
  const flushMs = 200;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let source: BackupSource | undefined;
  /** no default store, but clusters may name their own */
  let perCluster = false;
  /** every store a live cluster was read from: deleted clusters are looked for in each */
  const stores = new Set<BackupSource>();
  /** where each deleted cluster ("cluster/uid") was found */
  const deletedStore = new Map<string, BackupSource>();
  const inFlight = new Set<string>();
  const due = new Set<string>();
  /** when each read last started: a failing one waits its interval like a good one */
  const lastTry = new Map<string, number>();
  let deletedAt = 0;
  let listing = false;

  // Reads finishing close together reach the store as one update: one frame for a burst, not one per cluster.
  const pending: { slot: 'clusters' | 'deletedCatalogs'; key: string; view: ClusterBackupsView }[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  const flush = () => {
    flushTimer = undefined;
    const batch = pending.splice(0);
    if (stopped || !batch.length) return;
    store.getState().setBackups((b) => {
      const next = { clusters: { ...b.clusters }, deletedCatalogs: { ...b.deletedCatalogs } };
      for (const w of batch) next[w.slot][w.key] = w.view;
      // Without a default store, backups are configured when some cluster names its own; known once every cluster is resolved.
      if (source) return next;
      const views = Object.keys(store.getState().postgresqls).map((k) => next.clusters[k]);
      const configured = views.some((v) => v && !v.unconfigured) ? true : views.every((v) => v?.unconfigured) ? false : b.configured;
      return { ...next, configured };
    });
  };
  const write = (slot: 'clusters' | 'deletedCatalogs', key: string, view: ClusterBackupsView) => {
    pending.push({ slot, key, view });
    flushTimer ??= setTimeout(flush, flushMs);
  };

  /** a live cluster (`pg`) on its own store, or a deleted one on the default store */
  const read = async (key: string, ref: ClusterRef, pg: FeedManifest | undefined) => {
    inFlight.add(key);
    const slot = pg ? 'clusters' : 'deletedCatalogs';
    const prev = store.getState().backups[slot][key];
    let own = source;
    const base = (): ClusterBackupsView => ({
      cluster: ref.cluster,
      namespace: ref.namespace,
      uid: ref.uid,
      schedules: pg ? schedulesOf(pg, opts, Boolean(own?.settings.walBucket)) : {},
      at: prev?.at ?? 0,
      ...(prev?.catalog ? { catalog: prev.catalog } : {}),
      ...(own && own !== source ? { source: own.source } : {}),
    });
    try {
      if (pg && opts.sourceFor) own = (await withDeadline(opts.sourceFor(pg), timeoutMs, `S3 settings of ${key}`)) ?? source;
      else if (!pg) own = deletedStore.get(key) ?? source;
      if (own && pg) stores.add(own);
      if (stopped) return;
      if (!own) {
        // nothing names a bucket for this cluster: nothing to read, and nothing to keep from an earlier store
        write(slot, key, { cluster: ref.cluster, namespace: ref.namespace, uid: ref.uid, schedules: {}, at: Date.now(), unconfigured: true });
        return;
      }
      const catalog = await withDeadline(readClusterBackups(own.settings, ref), timeoutMs, `S3 ${own.source}`);
      if (stopped) return;
      write(slot, key, { ...base(), catalog, at: Date.now() });
    } catch (e) {
      if (stopped) return;
      write(slot, key, { ...base(), error: message(e) });
    } finally {
      inFlight.delete(key);
    }
  };

  /** the deleted clusters of every store in use (the default one first), each kept with the store it was found in */
  const listDeleted = async () => {
    listing = true;
    try {
      const where = [...new Set([...(source ? [source] : []), ...stores])];
      const [found, everywhere] = await Promise.all([
        Promise.allSettled(where.map((w) => withDeadline(findClustersInBucket(w.settings), timeoutMs * 3, `S3 ${w.source}`).then((f) => ({ w, refs: f.refs })))),
        opts.liveClusters ? withDeadline(opts.liveClusters(), timeoutMs, 'listing postgresqls').catch(() => undefined) : undefined,
      ]);
      if (stopped) return;
      const inStore = Object.values(store.getState().postgresqls).map((p) => ({ name: p.metadata?.name ?? '', uid: (p as FeedManifest).metadata?.uid ?? '' }));
      const live = new Set([...(everywhere ?? []), ...inStore].map((c) => `${c.name}/${c.uid}`));
      const refs: ClusterRef[] = [];
      const seen = new Set<string>();
      const take = (ref: ClusterRef, w: BackupSource) => {
        const key = `${ref.cluster}/${ref.uid}`;
        if (live.has(key) || seen.has(key)) return;
        seen.add(key);
        refs.push(ref);
        deletedStore.set(key, w);
      };
      // the first store that holds a deleted cluster is where it is read (the default store comes first); a store
      // that did not answer keeps the deleted clusters it listed before
      found.forEach((r, i) => {
        if (r.status === 'fulfilled') for (const ref of r.value.refs) take(ref, r.value.w);
        else for (const ref of store.getState().backups.deleted?.refs ?? []) if (deletedStore.get(`${ref.cluster}/${ref.uid}`) === where[i]) take(ref, where[i]!);
      });
      const failed = found.flatMap((r) => (r.status === 'rejected' ? [message(r.reason)] : []));
      store.getState().setBackups(() => ({ deleted: { refs, at: Date.now(), ...(failed.length ? { error: failed.join('; ') } : {}) } }));
    } catch (e) {
      if (stopped) return;
      store.getState().setBackups((b) => ({ deleted: { refs: b.deleted?.refs ?? [], at: b.deleted?.at ?? 0, error: message(e) } }));
    } finally {
      deletedAt = Date.now();
      listing = false;
    }
  };

  /** One pass: start the reads that are due, up to `concurrency` at a time. */
  const pass = () => {
    if (stopped || !(source || perCluster)) return;
    const s = store.getState();
    const now = Date.now();
    const focus = s.focus.cluster;
    const wanted: { key: string; ref: ClusterRef; pg?: FeedManifest; age: number }[] = [];
    for (const [key, pg] of Object.entries(s.postgresqls) as [string, FeedManifest][]) {
      const view = s.backups.clusters[key];
      const age = now - (view?.at ?? 0);
      const every = key === focus || awaitsFirstBackup(pg, view, now) ? focusInterval : interval;
      // a failed read waits its interval too: no error storm against a broken endpoint
      const last = Math.max(view?.at ?? 0, lastTry.get(key) ?? 0);
      if (!due.has(key) && now - last < every) continue;
      wanted.push({ key, ref: { cluster: pg.metadata?.name ?? '', namespace: pg.metadata?.namespace, uid: pg.metadata?.uid ?? '' }, pg, age: key === focus ? Infinity : age });
    }
    // deleted clusters are looked for in the default store and in every store a live cluster uses
    if (s.backups.browsing && (source || stores.size)) {
      if (!listing && now - deletedAt >= deletedInterval) void listDeleted();
      for (const r of s.backups.deleted?.refs ?? []) {
        const key = `${r.cluster}/${r.uid}`;
        const view = s.backups.deletedCatalogs[key];
        const last = Math.max(view?.at ?? 0, lastTry.get(key) ?? 0);
        if (!due.has(key) && now - last < interval) continue;
        wanted.push({ key, ref: r, age: now - last });
      }
    }
    // the open cluster first, then the stalest
    wanted.sort((a, b) => b.age - a.age);
    for (const w of wanted) {
      if (inFlight.size >= concurrency) break;
      if (inFlight.has(w.key)) continue;
      due.delete(w.key);
      lastTry.set(w.key, now);
      void read(w.key, w.ref, w.pg).then(() => pass());
    }
  };
  const loop = () => {
    pass();
    if (!stopped) timer = setTimeout(loop, tick);
  };

  // New clusters, a newly opened cluster or the browser: read without waiting for the tick.
  let seen = { postgresqls: store.getState().postgresqls, focus: store.getState().focus.cluster, browsing: store.getState().backups.browsing, deleted: store.getState().backups.deleted };
  const unsubscribe = store.subscribe((s) => {
    const now = { postgresqls: s.postgresqls, focus: s.focus.cluster, browsing: s.backups.browsing, deleted: s.backups.deleted };
    const changed = now.postgresqls !== seen.postgresqls || now.focus !== seen.focus || now.browsing !== seen.browsing || now.deleted !== seen.deleted;
    seen = now;
    if (changed && (source || perCluster)) queueMicrotask(pass);
  });

  void opts
    .source()
    .then(
      (s) => {
        if (stopped) return;
        source = s;
        perCluster = !s && opts.sourceFor !== undefined;
        if (s) store.getState().setBackups(() => ({ configured: true, source: s.source }));
        // each cluster's own spec.env may still name a store: `configured` follows what they name (flush)
        else if (!perCluster || !Object.keys(store.getState().postgresqls).length) store.getState().setBackups(() => ({ configured: false }));
        loop();
      },
      (e: unknown) => {
        if (!stopped) store.getState().setBackups(() => ({ configured: false, source: `S3 settings: ${message(e)}` }));
      },
    );

  return {
    refresh(key) {
      if (key) due.add(key);
      else for (const k of Object.keys(store.getState().postgresqls)) due.add(k);
      queueMicrotask(pass);
    },
    stop() {
      stopped = true;
      unsubscribe();
      clearTimeout(timer);
      clearTimeout(flushTimer);
    },
  };
}
