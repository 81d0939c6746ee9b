// The backups screens' keys as a pure reducer: the browser's cursor, "logical
// backup now" (y/n), the logical restore wizard (backup → database → target
// cluster → target database name → confirm; typing the name when it would
// overwrite) and the clone wizard (a backup, the window's end or a typed time →
// the new name → the manifest preview → apply). Effects name what a service
// must do; no I/O here.
import type { LogicalBackup } from '../../services/backups/logical-list.ts';
import type { BackupsState, ClusterBackupsView } from '../../services/live/backups-types.ts';
import { formatBytes } from '../format.ts';
import { shortTime } from './backups-format.ts';

/** The request shapes agreed with the task kinds' owners (see the seams brief). */
export type BackupRequest =
  | { kind: 'logical-backup'; cluster: string; format?: 'dumpall' | 'set' }
  | { kind: 'logical-restore'; cluster: string; backup: string; database?: string; into: string; targetDb?: string; force?: boolean; uid?: string }
  | { kind: 'clone'; cluster: string; to: string; toNamespace?: string; time?: string; latest?: boolean; copy?: boolean; uid?: string; apply: boolean };

export interface ClonePreviewArgs {
  cluster: string;
  namespace: string;
  to: string;
  /** another namespace to create it in (typed as NAMESPACE/NAME) */
  toNamespace?: string;
  time?: string;
  latest?: boolean;
  /** a copy of the running cluster (pg_basebackup from its leader), not a restore */
  copy?: boolean;
  uid?: string;
}

/** What planCloneManifest answers (src/services/backups/clone-plan.ts), as far as the preview shows it. */
export interface ClonePreview {
  yaml: string;
  instant: string;
  said: string;
  /** absent for a copy of the running cluster */
  baseBackup?: { id: string; finishTime: string; modified: string };
  walRange?: { from: string; to: string; timeline: number };
  /** the target is past the archive: the clone marks the present first, which reaches it */
  marksFirst?: boolean;
}

/** A cluster whose backups a wizard starts from: live, or deleted (found by uid in the bucket). */
export interface BackupSourceRef {
  cluster: string;
  namespace: string;
  uid: string;
  deleted: boolean;
}

export interface LiveCluster {
  namespace: string;
  name: string;
  uid: string;
  /** the manifest's spec.databases: what the operator created there */
  databases: string[];
}

export interface PickItem {
  label: string;
  value: string;
  /** the backup it stands for, if any */
  id?: string;
}

export type BackupsModal =
  | { kind: 'backup-now'; source: BackupSourceRef }
  | {
      kind: 'logical-restore';
      source: BackupSourceRef;
      step: 'backup' | 'database' | 'target' | 'name' | 'confirm';
      cursor: number;
      items: PickItem[];
      backup?: LogicalBackup;
      database?: string;
      into?: string;
      targetDb?: string;
      force: boolean;
      typed: string;
    }
  | {
      kind: 'clone';
      source: BackupSourceRef;
      step: 'point' | 'time' | 'name' | 'preview';
      cursor: number;
      items: PickItem[];
      time?: string;
      latest?: boolean;
      copy?: boolean;
      /** why only a copy is offered (no backups to restore from) */
      note?: string;
      to?: string;
      /** typed as NAMESPACE/NAME: another namespace than the source's */
      toNamespace?: string;
      typed: string;
      preview?: ClonePreview;
      /** the first manifest line the preview shows (the manifest is longer than a small terminal) */
      scroll?: number;
      error?: string;
    };

export type BackupsEffect =
  | { type: 'task'; request: BackupRequest; namespace: string }
  | { type: 'preview'; args: ClonePreviewArgs }
  | { type: 'error'; text: string };

export interface BackupsContext {
  readOnly: boolean;
  backups: BackupsState;
  live: LiveCluster[];
  /** the namespace tasks run in when the source is a deleted cluster */
  namespace: string;
  /** the rows the wizard has on screen (the clone preview scrolls its manifest within them) */
  height?: number;
}

/** Which manifest lines the clone preview shows in `height` rows: all when they fit, else a window from `scroll` (clamped). */
export function manifestWindow(lineCount: number, scroll: number, height: number): { start: number; shown: number; fits: boolean } {
  // the preview's other lines: the question, three lines about the backup and WAL, the keys, and "manifest lines a–b of n"
  const room = Math.max(1, height - 7);
  if (lineCount <= room + 1) return { start: 0, shown: lineCount, fits: true };
  return { start: Math.max(0, Math.min(scroll, lineCount - room)), shown: room, fits: false };
}

export const manifestLines = (yaml: string): string[] => yaml.replace(/\n$/, '').split('\n');

export interface BrowserEntry {
  source: BackupSourceRef;
  view?: ClusterBackupsView;
}

/** The browser's rows: live clusters, then the deleted ones the bucket still holds. */
export function browserEntries(ctx: Pick<BackupsContext, 'backups' | 'live' | 'namespace'>): BrowserEntry[] {
  const live = ctx.live.map((c) => ({ source: { cluster: c.name, namespace: c.namespace, uid: c.uid, deleted: false }, view: ctx.backups.clusters[`${c.namespace}/${c.name}`] }));
  const deleted = (ctx.backups.deleted?.refs ?? []).map((r) => ({ source: { cluster: r.cluster, namespace: ctx.namespace, uid: r.uid, deleted: true }, view: ctx.backups.deletedCatalogs[`${r.cluster}/${r.uid}`] }));
  return [...live, ...deleted];
}

export const viewOf = (ctx: BackupsContext, s: BackupSourceRef) => (s.deleted ? ctx.backups.deletedCatalogs[`${s.cluster}/${s.uid}`] : ctx.backups.clusters[`${s.namespace}/${s.cluster}`]);

const plusSecond = (iso: string) => new Date(Date.parse(iso) + 1000).toISOString();

/** A row of one cluster's backups screen (b), as it lists them: base backups, then logical ones, each newest first. */
export type SectionRow = { kind: 'base'; id: string } | { kind: 'logical'; id: string };

export function sectionRows(view: ClusterBackupsView | undefined): SectionRow[] {
  const c = view?.catalog;
  if (!c) return [];
  return [...[...c.baseBackups].reverse().map((b) => ({ kind: 'base' as const, id: b.id })), ...[...c.logicalBackups].reverse().map((b) => ({ kind: 'logical' as const, id: b.id }))];
}

/** The picker's first row on `picked` (the row selected on the b screen), when it is one of `items`. */
const cursorOn = (items: PickItem[], picked: string | undefined) => Math.max(0, items.findIndex((i) => i.id !== undefined && i.id === picked));

/** L, D, C on a source: the modal to open, or why not. */
/** `picked`: the backup selected on the b screen, where the wizard's list starts. */
export function openBackupModal(action: 'logicalBackup' | 'logicalRestore' | 'clone', source: BackupSourceRef | undefined, ctx: BackupsContext, picked?: SectionRow): { modal?: BackupsModal; effect?: BackupsEffect } {
  if (ctx.readOnly) return { effect: { type: 'error', text: `read-only session (--read-only): ${action === 'clone' ? 'clone' : action === 'logicalBackup' ? 'logical backup' : 'logical restore'} is disabled` } };
  if (!source) return { effect: { type: 'error', text: 'no cluster selected' } };
  const name = `${source.namespace}/${source.cluster}`;
  if (action === 'logicalBackup') {
    if (source.deleted) return { effect: { type: 'error', text: `${source.cluster} (uid ${source.uid}) is deleted: there is nothing to back up` } };
    return { modal: { kind: 'backup-now', source } };
  }
  const view = viewOf(ctx, source);
  const c = view?.catalog;
  const why =
    ctx.backups.configured === false || view?.unconfigured
      ? `no backup bucket configured${view?.unconfigured ? ` for ${name}` : ''}`
      : !c
        ? `the backups of ${name} are not read yet${view?.error ? `: ${view.error}` : ''}`
        : action === 'clone' && !c.window.to
          ? `${name} has no restorable window${c.window.gaps.length ? ' (a WAL gap after the newest backup)' : ''}`
          : undefined;
  // a live cluster can always be copied as it runs, backups or not (Zalando's clone without a timestamp)
  const copy: PickItem = { label: `a copy of ${source.cluster} now, from its leader (pg_basebackup)`, value: 'copy' };
  if (why || !c) {
    if (action === 'clone' && !source.deleted) return { modal: { kind: 'clone', source, step: 'point', cursor: 0, items: [copy], typed: '', note: `${why}: only a copy` } };
    return { effect: { type: 'error', text: action === 'clone' ? `${why}: nothing to clone` : why! } };
  }
  if (action === 'logicalRestore') {
    if (!c.logicalBackups.length) return { effect: { type: 'error', text: `${name} has no logical backups (L takes one)` } };
    // when and how big, beside the id the CLI takes: the one to restore is told by its time
    const items = [...c.logicalBackups].reverse().map((b) => ({ label: `${b.id}  ${shortTime(b.time)}  ${formatBytes(b.size)}  ${b.kind === 'logical-set' ? `set: ${b.databases?.join(', ') ?? ''}` : 'dumpall'}`, value: b.id, id: b.id }));
    return { modal: { kind: 'logical-restore', source, step: 'backup', cursor: cursorOn(items, picked?.kind === 'logical' ? picked.id : undefined), items, force: false, typed: '' } };
  }
  const items: PickItem[] = [
    // a live cluster's latest is the present: the clone task marks it (a commit and a WAL switch) before it plans
    { label: source.deleted ? `latest: the end of the window (${c.window.to!.slice(0, 19)}Z)` : `latest: the present on ${source.cluster} (marked when the clone is created)`, value: 'latest' },
    { label: 'a time you type (with or without a zone)', value: 'typed' },
    ...[...c.baseBackups].reverse().map((b) => ({ label: `${b.id}  finished ${b.finishTime.slice(0, 19)}Z`, value: plusSecond(b.modified), id: b.id })),
    ...(source.deleted ? [] : [copy]),
  ];
  return { modal: { kind: 'clone', source, step: 'point', cursor: cursorOn(items, picked?.kind === 'base' ? picked.id : undefined), items, typed: '' } };
}

const pickKey = <M extends { cursor: number; items: PickItem[] }>(m: M, key: string): M | undefined => {
  if (key === 'up' || key === 'k') return { ...m, cursor: Math.max(0, m.cursor - 1) };
  if (key === 'down' || key === 'j') return { ...m, cursor: Math.min(m.items.length - 1, m.cursor + 1) };
  return undefined;
};

const typeKey = <M extends { typed: string }>(m: M, key: string): M | undefined => {
  if (key === 'backspace') return { ...m, typed: m.typed.slice(0, -1) };
  if (key.length === 1) return { ...m, typed: m.typed + key };
  return undefined;
};

/** One key while a backups modal is open. */
export function backupsModalKey(m: BackupsModal, key: string, ctx: BackupsContext): { modal?: BackupsModal; effect?: BackupsEffect } {
  if (key === 'escape') return {};
  if (m.kind === 'backup-now') {
    if (key === 'y' || key === 'return') return { effect: { type: 'task', request: { kind: 'logical-backup', cluster: m.source.cluster }, namespace: m.source.namespace } };
    if (key === 'n') return {};
    return { modal: m };
  }
  if (m.kind === 'logical-restore') return logicalKey(m, key, ctx);
  return cloneKey(m, key, ctx.height ?? 24);
}

type Logical = Extract<BackupsModal, { kind: 'logical-restore' }>;
type Clone = Extract<BackupsModal, { kind: 'clone' }>;

function logicalKey(m: Logical, key: string, ctx: BackupsContext): { modal?: BackupsModal; effect?: BackupsEffect } {
  const view = viewOf(ctx, m.source);
  const targets = ctx.live.filter((c) => c.namespace === m.source.namespace);
  if (m.step === 'backup' || m.step === 'database' || m.step === 'target') {
    const moved = pickKey(m, key);
    if (moved) return { modal: moved };
    if (key !== 'return') return { modal: m };
    const item = m.items[m.cursor];
    if (!item) return { modal: m };
    if (m.step === 'backup') {
      const backup = view?.catalog?.logicalBackups.find((b) => b.id === item.value);
      if (!backup) return { modal: m, effect: { type: 'error', text: `${item.value} is gone from the bucket` } };
      // A set lists its databases; a dumpall holds every database of the cluster, named in its manifest.
      const dbs = backup.databases ?? ctx.live.find((c) => c.name === m.source.cluster && c.namespace === m.source.namespace)?.databases ?? [];
      const items = [...dbs.map((d) => ({ label: d, value: d })), { label: 'all databases, as dumped', value: '' }];
      return { modal: { ...m, step: 'database', backup, cursor: 0, items } };
    }
    if (m.step === 'database') {
      const items = targets.map((c) => ({ label: `${c.name}${c.name === m.source.cluster && !m.source.deleted ? ' (the same cluster)' : ''}`, value: c.name }));
      if (!items.length) return { modal: m, effect: { type: 'error', text: `no cluster in namespace ${m.source.namespace} to restore into` } };
      const at = Math.max(0, items.findIndex((i) => i.value === m.source.cluster));
      return { modal: { ...m, step: 'target', database: item.value || undefined, cursor: at, items } };
    }
    // target picked: a new database by default, named after the one restored
    if (!m.database) return { modal: { ...m, step: 'confirm', into: item.value, targetDb: undefined, force: false, typed: '' } };
    return { modal: { ...m, step: 'name', into: item.value, typed: `${m.database}_restored` } };
  }
  if (m.step === 'name') {
    if (key === 'return') {
      const name = m.typed.trim();
      if (!/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/.test(name)) return { modal: m, effect: { type: 'error', text: `"${name}" is not a database name: letters, digits and _ (at most 63)` } };
      const exists = (ctx.live.find((c) => c.name === m.into && c.namespace === m.source.namespace)?.databases ?? []).concat('postgres').includes(name) || (m.into === m.source.cluster && name === m.database);
      return { modal: { ...m, step: 'confirm', targetDb: name, force: exists, typed: '' } };
    }
    return { modal: typeKey(m, key) ?? m };
  }
  // confirm
  const request: BackupRequest = {
    kind: 'logical-restore',
    cluster: m.source.cluster,
    backup: m.backup!.id,
    ...(m.database ? { database: m.database } : {}),
    into: m.into!,
    ...(m.targetDb ? { targetDb: m.targetDb } : {}),
    ...(m.force ? { force: true } : {}),
    ...(m.source.deleted ? { uid: m.source.uid } : {}),
  };
  if (!m.force) {
    if (key === 'y' || key === 'return') return { effect: { type: 'task', request, namespace: m.source.namespace } };
    if (key === 'n') return {};
    return { modal: m };
  }
  if (key === 'return') {
    if (m.typed === m.targetDb) return { effect: { type: 'task', request, namespace: m.source.namespace } };
    return { modal: { ...m, typed: '' }, effect: { type: 'error', text: `"${m.typed}" is not ${m.targetDb}; type the database's name to overwrite it, or esc` } };
  }
  return { modal: typeKey(m, key) ?? m };
}

/** The point a clone is asked for: a copy, the latest, or a time. */
const point = (m: Clone): Pick<ClonePreviewArgs, 'copy' | 'latest' | 'time'> => (m.copy ? { copy: true } : m.latest ? { latest: true } : { time: m.time });

function cloneKey(m: Clone, key: string, height: number): { modal?: BackupsModal; effect?: BackupsEffect } {
  const nameStep = (c: Clone): Clone => ({ ...c, step: 'name', typed: c.to ? `${c.toNamespace ? `${c.toNamespace}/` : ''}${c.to}` : `${m.source.cluster}-clone` });
  if (m.step === 'point') {
    const moved = pickKey(m, key);
    if (moved) return { modal: moved };
    if (key !== 'return') return { modal: m };
    const item = m.items[m.cursor];
    if (item.value === 'latest') return { modal: nameStep({ ...m, latest: true, copy: undefined, time: undefined }) };
    if (item.value === 'copy') return { modal: nameStep({ ...m, copy: true, latest: undefined, time: undefined }) };
    if (item.value === 'typed') return { modal: { ...m, step: 'time', latest: undefined, copy: undefined, typed: m.time ?? '' } };
    return { modal: nameStep({ ...m, latest: undefined, copy: undefined, time: item.value }) };
  }
  if (m.step === 'time') {
    if (key === 'return') {
      if (!m.typed.trim()) return { modal: m, effect: { type: 'error', text: 'type a time, e.g. 2026-12-05 10:00 or 2026-12-05T09:00:00Z' } };
      return { modal: nameStep({ ...m, time: m.typed.trim() }) };
    }
    return { modal: typeKey(m, key) ?? m };
  }
  if (m.step === 'name') {
    if (key === 'return') {
      // NAME, or NAMESPACE/NAME for another namespace (the CLI's --to-namespace)
      const typed = m.typed.trim();
      const [ns, to] = typed.includes('/') ? [typed.slice(0, typed.indexOf('/')), typed.slice(typed.indexOf('/') + 1)] : [undefined, typed];
      const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
      if (!label.test(to) || to.length > 53) return { modal: m, effect: { type: 'error', text: `"${to}" is not a cluster name: lower-case letters, digits and -` } };
      if (ns !== undefined && (!label.test(ns) || ns.length > 63)) return { modal: m, effect: { type: 'error', text: `"${ns}" is not a namespace: lower-case letters, digits and - (NAMESPACE/NAME)` } };
      const toNamespace = ns && ns !== m.source.namespace ? ns : undefined;
      if (to === m.source.cluster && !m.source.deleted && !toNamespace) return { modal: m, effect: { type: 'error', text: `${to} is the source: name the new cluster` } };
      const args: ClonePreviewArgs = { cluster: m.source.cluster, namespace: m.source.namespace, to, ...(toNamespace ? { toNamespace } : {}), ...point(m), ...(m.source.deleted ? { uid: m.source.uid } : {}) };
      return { modal: { ...m, step: 'preview', to, toNamespace, preview: undefined, error: undefined }, effect: { type: 'preview', args } };
    }
    return { modal: typeKey(m, key) ?? m };
  }
  // preview: apply once it is there; a refusal (a time outside the window) goes back to the time
  if (m.error && key === 'return') return { modal: { ...m, step: m.latest || m.copy ? 'point' : 'time', typed: m.time ?? '', error: undefined } };
  if (!m.preview) return { modal: m };
  if (key === 'y' || key === 'return') {
    // latest stays latest: the task then marks the present on a live source so recovery can reach it
    const request: BackupRequest = { kind: 'clone', cluster: m.source.cluster, to: m.to!, ...(m.toNamespace ? { toNamespace: m.toNamespace } : {}), ...(m.copy ? { copy: true } : m.latest ? { latest: true } : { time: m.preview.instant }), ...(m.source.deleted ? { uid: m.source.uid } : {}), apply: true };
    return { effect: { type: 'task', request, namespace: m.source.namespace } };
  }
  if (key === 'n') return {};
  if (key === 'down' || key === 'j' || key === 'up' || key === 'k') {
    const step = key === 'down' || key === 'j' ? 1 : -1;
    const count = manifestLines(m.preview.yaml).length;
    // from where the view is, so a press past the end is not owed back
    const at = manifestWindow(count, m.scroll ?? 0, height).start;
    return { modal: { ...m, scroll: manifestWindow(count, at + step, height).start } };
  }
  return { modal: m };
}
