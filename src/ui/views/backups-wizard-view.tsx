// The backups modals: "logical backup now", the logical restore wizard and the
// clone wizard, one step at a time, each saying what it will do by name.
import { Box, Text } from 'ink';
import { useLook } from '../look.ts';
import { manifestLines, manifestWindow, type BackupsModal, type PickItem } from './backups-wizard.ts';

function Picker({ items, cursor, height }: { items: PickItem[]; cursor: number; height: number }) {
  const look = useLook();
  const start = Math.max(0, Math.min(cursor - Math.floor(height / 2), items.length - height));
  return (
    <>
      {items.slice(start, start + height).map((it, i) => (
        <Text key={`${it.value}/${i}`} inverse={!look.plain && start + i === cursor} wrap="truncate">
          {look.plain ? (start + i === cursor ? '>' : ' ') : ''}
          {it.label}
        </Text>
      ))}
    </>
  );
}

const Typed = ({ text }: { text: string }) => <Text>&gt; {text}█</Text>;

export function BackupsWizard({ modal: m, height }: { modal: BackupsModal; height: number }) {
  const from = `${m.source.namespace}/${m.source.cluster}${m.source.deleted ? ` (deleted, uid ${m.source.uid})` : ''}`;
  if (m.kind === 'backup-now') {
    return (
      <Box flexDirection="column">
        <Text bold wrap="wrap">
          take a logical backup of {from} now
        </Text>
        <Text wrap="wrap">y / enter: go on · n / esc: cancel</Text>
      </Box>
    );
  }
  const room = Math.max(1, height - 4);
  if (m.kind === 'logical-restore') {
    const chosen = [m.backup && `backup ${m.backup.id}`, m.step !== 'backup' && m.step !== 'database' && `database ${m.database ?? 'all'}`, m.into && `into ${m.source.namespace}/${m.into}`].filter(Boolean).join(' · ');
    const ask: Record<typeof m.step, string> = {
      backup: 'pick the backup',
      database: 'pick the database to restore',
      target: 'pick the cluster to restore into',
      name: 'name the database to restore into (a new one by default)',
      confirm: 'restore',
    };
    return (
      <Box flexDirection="column">
        <Text bold wrap="truncate">
          restore a logical backup of {from}: {ask[m.step]}
        </Text>
        <Text dimColor wrap="truncate">
          {chosen || ' '}
        </Text>
        {(m.step === 'backup' || m.step === 'database' || m.step === 'target') && <Picker items={m.items} cursor={m.cursor} height={room} />}
        {m.step === 'name' && <Typed text={m.typed} />}
        {m.step === 'confirm' && (
          <>
            <Text wrap="wrap">
              restore {m.database ? `database ${m.database}` : 'every database'} of {m.backup?.id} into {m.source.namespace}/{m.into}
              {m.targetDb ? ` as ${m.targetDb}` : ''}
            </Text>
            {m.force ? (
              <>
                <Text color="red" bold wrap="wrap">
                  {m.targetDb} exists on {m.into}: OVERWRITE it (--force). Type its name ({m.targetDb}) and enter, or esc.
                </Text>
                <Typed text={m.typed} />
              </>
            ) : (
              <Text wrap="wrap">y / enter: go on · n / esc: cancel</Text>
            )}
          </>
        )}
      </Box>
    );
  }
  const point = m.copy ? 'a copy now' : m.latest ? (m.source.deleted ? 'the end of the window' : 'the present') : m.time ? `time ${m.time}` : '';
  const ask: Record<typeof m.step, string> = { point: 'restore up to which point?', time: 'type the time to restore to', name: 'name the new cluster ([NS/]NAME)', preview: 'the clone' };
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        clone {from}: {ask[m.step]}
      </Text>
      <Text dimColor wrap="truncate">
        {[point, m.to && m.step === 'preview' && `as ${m.toNamespace ?? m.source.namespace}/${m.to}`].filter(Boolean).join(' · ') || m.note || ' '}
      </Text>
      {m.step === 'point' && <Picker items={m.items} cursor={m.cursor} height={room} />}
      {m.step === 'time' && (
        <>
          <Text dimColor wrap="truncate">
            e.g. 2026-12-05 10:00 (this machine&apos;s zone) or 2026-12-05T09:00:00Z
          </Text>
          <Typed text={m.typed} />
        </>
      )}
      {m.step === 'name' && <Typed text={m.typed} />}
      {m.step === 'preview' && m.error && (
        <Text color="red" wrap="wrap">
          {m.error}
        </Text>
      )}
      {m.step === 'preview' && !m.error && !m.preview && <Text dimColor>Checking the time against the window…</Text>}
      {m.step === 'preview' && m.preview && (
        <>
          <Text wrap="truncate">{m.preview.said}</Text>
          {m.preview.baseBackup && m.preview.walRange ? (
            <>
              <Text wrap="truncate">base backup {m.preview.baseBackup.id}, finished {m.preview.baseBackup.finishTime}</Text>
              <Text wrap="truncate">
                then WAL {m.preview.walRange.from} →{' '}
                {m.preview.marksFirst ? 'the present (marked and archived first)' : `${m.preview.walRange.to} (TL ${m.preview.walRange.timeline})`}
              </Text>
            </>
          ) : (
            <>
              <Text wrap="truncate">copied from the leader of {m.source.cluster} with pg_basebackup</Text>
              <Text wrap="truncate">when {m.to}&apos;s first member starts: no backups involved</Text>
            </>
          )}
          <ManifestLines yaml={m.preview.yaml} scroll={m.scroll ?? 0} height={height} />
          <Text bold wrap="truncate">
            y / enter: create {m.toNamespace ?? m.source.namespace}/{m.to} · n / esc: cancel
          </Text>
        </>
      )}
    </Box>
  );
}

/** The manifest a window at a time; the line above it says which lines and that ↑/↓ scroll, when it does not fit. */
function ManifestLines({ yaml, scroll, height }: { yaml: string; scroll: number; height: number }) {
  const lines = manifestLines(yaml);
  const { start, shown, fits } = manifestWindow(lines.length, scroll, height);
  return (
    <>
      {!fits && (
        <Text dimColor wrap="truncate">
          manifest lines {start + 1}–{start + shown} of {lines.length} (↑/↓ scroll)
        </Text>
      )}
      {lines.slice(start, start + shown).map((l, i) => (
        <Text key={i} wrap="truncate">
          {l || ' '}
        </Text>
      ))}
    </>
  );
}
