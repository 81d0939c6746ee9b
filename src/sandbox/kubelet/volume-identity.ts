// A claim's directory belongs to one PersistentVolumeClaim, not to its name: a
// claim deleted and made again (zpg recreate-member, a StatefulSet scaled down
// and up with the claim removed) is a new, empty volume, as with a storage
// class whose reclaim policy is Delete. The claim's uid is kept in the
// directory; a directory without it (made before this existed) is left as it is.
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MARKER = '.zpg-claim-uid';

/** Empties `dir` when it held another claim than `uid`, then records `uid`. True when it was emptied. */
export function claimVolume(dir: string, uid: string | undefined): boolean {
  if (!uid) return false;
  const marker = join(dir, MARKER);
  const had = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : undefined;
  const fresh = had !== undefined && had !== uid;
  if (fresh) for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { recursive: true, force: true });
  if (had !== uid) writeFileSync(marker, uid, { mode: 0o644 });
  return fresh;
}
