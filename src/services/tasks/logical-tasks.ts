// One entry for the two logical backup tasks, called by prepareTask (the
// console) and by `zpg backup logical` / `zpg restore logical`, which also
// want the outcome (the backup taken, the row counts) and, for a restore over
// an existing database, the word to type (its name).
import { loadFacts, type ClusterFacts, type TaskEnv } from './facts.ts';
import { planLogicalBackup, type LogicalBackupOutcome, type LogicalBackupRequest, type LogicalTaskOptions } from './logical-backup.ts';
import { planLogicalRestore, type LogicalRestoreOutcome, type LogicalRestoreRequest } from './logical-restore.ts';
import type { TaskPlan } from './runner.ts';

export type LogicalTaskRequest = ({ kind: 'logical-backup'; cluster: string } & LogicalBackupRequest) | ({ kind: 'logical-restore' } & LogicalRestoreRequest);

export interface PreparedLogicalTask {
  plan: TaskPlan;
  destructive: boolean;
  facts: ClusterFacts;
  outcome: LogicalBackupOutcome | LogicalRestoreOutcome;
  /** what a destructive restore asks to be typed: the target database's name */
  confirmWord?: string;
}

export async function prepareLogicalTask(env: TaskEnv, req: LogicalTaskRequest, o: LogicalTaskOptions = {}): Promise<PreparedLogicalTask> {
  if (req.kind === 'logical-backup') {
    const facts = await loadFacts(env, req.cluster);
    const { plan, outcome } = await planLogicalBackup(env, facts, req, o);
    return { plan, destructive: false, facts, outcome };
  }
  const facts = await loadFacts(env, req.into);
  const { plan, outcome, destructive, confirmWord } = await planLogicalRestore(env, facts, req, o);
  return { plan, destructive, facts, outcome, confirmWord };
}
