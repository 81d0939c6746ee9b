// A loopback subnet (127.0.N.0/24) of the demo's own: members listen on
// 5432 and 8008 of their pod address, so two demos (or a demo and a test run)
// must not hand out the same addresses. A pid file per subnet claims it;
// the claim of a process that is gone is free again.
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive } from '../patroni/processes.ts';

const DIR = join(tmpdir(), 'zpg-sandbox-subnets');

export interface Subnet {
  octet: number;
  release(): void;
}

/**
 * The first free subnet from `first` to `last`. `zpg demo` and the benches take the first free from 40 up. Test
 * files that run members claim from a band they name (`grep -rn 'claimSubnet(\|startMemberWorld(' test`: today
 * within 23–229, e.g. the kubelet test 80–89 and exec-portforward 90–99). Bands may overlap each other or a
 * running demo: a claim takes its band's next free subnet and fails only when the whole band is taken. Nothing
 * claims 21 and 22: the Patroni conformance suites bind 127.0.21.x and 127.0.22.x without a claim.
 */
export function claimSubnet(first = 40, last = 250): Subnet {
  mkdirSync(DIR, { recursive: true });
  try {
    chmodSync(DIR, 0o1777); // shared by every user's demos, like /tmp itself
  } catch {
    // someone else's directory, already shared
  }
  for (let n = first; n <= last; n++) {
    const file = join(DIR, `${n}.pid`);
    if (take(file)) return { octet: n, release: () => release(file) };
  }
  throw new Error(`no free loopback subnet between 127.0.${first}.0 and 127.0.${last}.0 (claims in ${DIR})`);
}

function take(file: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) return false;
    rmSync(file, { force: true });
  }
  return false;
}

function release(file: string): void {
  try {
    if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file, { force: true });
  } catch {
    // already gone
  }
}
