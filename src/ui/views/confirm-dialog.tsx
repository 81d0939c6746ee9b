// The confirmation: the task and its target by namespace/name; y for a safe
// one, the cluster's name typed for a destructive one.
import { Box, Text } from 'ink';
import type { Modal } from '../task-ui.ts';

export function ConfirmDialog({ modal }: { modal: Extract<Modal, { kind: 'confirm' }> }) {
  return (
    <Box flexDirection="column">
      <Text bold wrap="wrap">
        {modal.title}
      </Text>
      {modal.destructive ? (
        <>
          <Text color="yellow" wrap="wrap">
            This is destructive. Type the cluster&apos;s name ({modal.request.cluster}) and enter, or esc.
          </Text>
          <Text>&gt; {modal.typed}█</Text>
        </>
      ) : (
        <Text wrap="wrap">y / enter: go on · n / esc: cancel</Text>
      )}
    </Box>
  );
}
