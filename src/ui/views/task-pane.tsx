// The last task's steps, live: which step, what it waits for, how long each
// took. Shown under any view while the task runs (and on `t`), so it
// survives navigation.
import { Box, Text } from 'ink';
import type { StepRecord, TaskRecord } from '../../services/tasks/types.ts';

const MARK: Record<StepRecord['state'], string> = { pending: ' ', running: '→', waiting: '…', done: '✓', skipped: '-', failed: '✗' };
const secs = (ms: number) => `${Math.max(0, ms / 1000).toFixed(1)}s`;

export function taskPaneRows(task: TaskRecord | undefined): number {
  return task ? Math.min(task.steps.length, 5) + 1 : 0;
}

export function TaskPane({ task, now }: { task: TaskRecord; now: number }) {
  const steps = task.steps.slice(-5);
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text bold wrap="truncate">
        task: {task.title} · {task.state} · {secs((task.endedAt ?? now) - task.startedAt)}
      </Text>
      {steps.map((s, i) => (
        <Text key={i} wrap="truncate" color={s.state === 'failed' ? 'red' : undefined}>
          {MARK[s.state]} {s.name}
          {s.startedAt ? ` (${secs((s.endedAt ?? now) - s.startedAt)})` : ''}
          {s.error ? `: ${s.error}` : s.detail ? `: ${s.state === 'waiting' ? 'waiting for ' : ''}${s.detail}` : ''}
        </Text>
      ))}
    </Box>
  );
}
