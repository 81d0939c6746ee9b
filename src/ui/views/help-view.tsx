// `?`: every key, generated from the keymap.
import { Box, Text } from 'ink';
import { helpLines } from '../keymap.ts';
import { fit } from '../components/columns.tsx';

export function HelpView() {
  return (
    <Box flexDirection="column">
      <Text bold>Keys</Text>
      {helpLines().map((l) => (
        <Text key={l.keys + l.help} wrap="truncate">
          {fit(l.keys, 18)} {fit(l.help, 40)} <Text dimColor>{l.views}</Text>
        </Text>
      ))}
    </Box>
  );
}
