// The backups slice of the store, as the backups feed writes it and the
// console's backups screens read it.
import type { ClusterBackups, ClusterRef } from '../backups/catalog.ts';
import type { Schedules } from './backups-schedule.ts';

export interface ClusterBackupsView {
  cluster: string;
  namespace?: string;
  /** the postgresql object's uid (the S3 scope suffix) */
  uid: string;
  catalog?: ClusterBackups;
  /** what the cluster's backups are expected to follow */
  schedules: Schedules;
  /** when the catalog was last read (ms since epoch); 0 = never */
  at: number;
  /** the last read failed: what is on screen is from `at` */
  error?: string;
  /** the store this cluster's backups are read from, when its spec.env names another than the default */
  source?: string;
  /** no store: neither the default settings nor the cluster's own env name a bucket */
  unconfigured?: true;
}

export interface DeletedListing {
  /** name/uid pairs in the bucket that match no live cluster */
  refs: ClusterRef[];
  at: number;
  error?: string;
}

export interface BackupsState {
  /** undefined until the feed has its S3 settings; false = no backup bucket configured */
  configured?: boolean;
  /** what is read, for the screen: "s3://bucket" (never credentials) */
  source?: string;
  /** live clusters by namespace/name */
  clusters: Record<string, ClusterBackupsView>;
  /** read only while the browser is on screen */
  deleted?: DeletedListing;
  /** deleted clusters' catalogs by "cluster/uid" */
  deletedCatalogs: Record<string, ClusterBackupsView>;
  /** the browser is on screen: the feed lists the bucket for deleted clusters */
  browsing: boolean;
}

export const emptyBackups = (): BackupsState => ({ clusters: {}, deletedCatalogs: {}, browsing: false });
