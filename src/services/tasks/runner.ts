// Runs a task's steps in order and reports every change of its record to a
// sink (the store, the CLI's printer). A step says what it waits for while it
// waits; the first step that throws fails the task with its message.
import type { StepRecord, TaskRecord, TaskSink } from './types.ts';

export interface StepHandle {
  /** the step is waiting for something outside (a leader, a pod, a replica to stream) */
  waiting(what: string): void;
  /** the step is working again, with what it found */
  note(detail: string): void;
  /** ends the step as skipped (already done by an earlier, interrupted run) */
  skip(why: string): void;
  /** the task's one-line result, shown when it ends */
  result(text: string): void;
  readonly signal: AbortSignal;
}

export interface StepSpec {
  name: string;
  /** resolves with the step's final detail, if any */
  run(step: StepHandle): Promise<string | void>;
}

export interface TaskPlan {
  kind: string;
  /** namespace/name */
  cluster: string;
  member?: string;
  title: string;
  steps: StepSpec[];
}

let counter = 0;

function record(plan: TaskPlan): TaskRecord {
  return {
    id: `${plan.kind}:${plan.cluster}:${++counter}`,
    kind: plan.kind,
    cluster: plan.cluster,
    ...(plan.member ? { member: plan.member } : {}),
    title: plan.title,
    state: 'running',
    steps: plan.steps.map((s): StepRecord => ({ name: s.name, state: 'pending' })),
    startedAt: Date.now(),
  };
}

/** The record of a task that a guard rail stopped before any step ran. */
export function refusedTask(plan: Omit<TaskPlan, 'steps'>, reason: string): TaskRecord {
  const now = Date.now();
  return { ...record({ ...plan, steps: [] }), state: 'refused', result: reason, endedAt: now };
}

/** What the task would do, with nothing done. */
export function dryRunTask(plan: TaskPlan): TaskRecord {
  return { ...record(plan), state: 'done', dryRun: true, endedAt: Date.now(), result: `dry run: would ${plan.title}; nothing changed` };
}

export async function runTask(plan: TaskPlan, sink: TaskSink, signal: AbortSignal = new AbortController().signal): Promise<TaskRecord> {
  let task = record(plan);
  const emit = (next: TaskRecord) => {
    task = next;
    sink(task);
  };
  const setStep = (i: number, patch: Partial<StepRecord>) => emit({ ...task, steps: task.steps.map((s, j) => (j === i ? { ...s, ...patch } : s)) });
  emit(task);
  let result: string | undefined;
  for (const [i, spec] of plan.steps.entries()) {
    let skipped: string | undefined;
    setStep(i, { state: 'running', startedAt: Date.now() });
    const handle: StepHandle = {
      waiting: (what) => setStep(i, { state: 'waiting', detail: what }),
      note: (detail) => setStep(i, { state: 'running', detail }),
      skip: (why) => void (skipped = why),
      result: (text) => void (result = text),
      signal,
    };
    try {
      if (signal.aborted) throw new Error('interrupted');
      const detail = await spec.run(handle);
      if (skipped !== undefined) setStep(i, { state: 'skipped', detail: skipped, endedAt: Date.now() });
      else setStep(i, { state: 'done', endedAt: Date.now(), ...(detail ? { detail } : {}) });
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      setStep(i, { state: 'failed', error: why, endedAt: Date.now() });
      emit({ ...task, state: 'failed', result: `${spec.name}: ${why}`, endedAt: Date.now() });
      return task;
    }
  }
  emit({ ...task, state: 'done', result: result ?? `${plan.title}: done`, endedAt: Date.now() });
  return task;
}
