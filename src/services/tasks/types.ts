// What a task is, as the store holds it and the console and the CLI show it:
// a named sequence of steps, each with its state, what it waits for and how
// long it took, and one result. Plain data: it goes to JSON as it is.

export type StepState = 'pending' | 'running' | 'waiting' | 'done' | 'skipped' | 'failed';
export type TaskState = 'running' | 'done' | 'failed' | 'refused';

export interface StepRecord {
  name: string;
  state: StepState;
  /** what the step waits for, or what it found ("acid-demo-1 streaming, lag 0 B") */
  detail?: string;
  startedAt?: number;
  endedAt?: number;
  /** why it failed */
  error?: string;
}

export interface TaskRecord {
  /** unique per process: kind, cluster and a counter */
  id: string;
  /** switchover, failover, restart, reinit, pause, resume, recreate-member */
  kind: string;
  /** namespace/name of the cluster */
  cluster: string;
  /** the member acted on, when there is one */
  member?: string;
  /** one line: what the task does ("switchover acid-demo-0 → acid-demo-1") */
  title: string;
  state: TaskState;
  steps: StepRecord[];
  startedAt: number;
  endedAt?: number;
  /** one line when it ended: what happened, or why it failed or was refused */
  result?: string;
  dryRun?: boolean;
}

/** Where a task's record goes each time it changes: the store, and the CLI's printer. */
export type TaskSink = (task: TaskRecord) => void;

/** A task that did not start because a guard rail said no; the CLI exits 3. */
export class TaskRefused extends Error {}

/** A name the user typed that names nothing; the message lists what exists. */
export class UnknownTarget extends Error {}

/** A value the user gave that cannot be used (a time without a zone); the CLI exits 2. */
export class BadInput extends Error {}
