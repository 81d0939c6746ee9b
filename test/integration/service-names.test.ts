// Service names inside pods: the operator's master and replica Services reach
// the leader and a replica by name from `kubectl exec` (psql) and from
// PostgreSQL itself, and the master name follows the leader through a crash.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterManifest } from '../../src/sandbox/demo/samples.ts';
import { startMemberWorld, type MemberWorld } from '../helpers/member-world.ts';
import { eventually } from '../helpers/sandbox.ts';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const NAME = 'acid-names';

let w: MemberWorld;
let core: k8s.CoreV1Api;

/** `kubectl exec POD -- psql -h HOST`: which server answered, and whether it is a replica. */
async function ask(pod: string, host: string): Promise<string> {
  const sql = 'select host(inet_server_addr()), pg_is_in_recovery()';
  return (await w.kubectl('exec', pod, '--', 'psql', '-h', host, '-tAc', sql)).trim();
}

/** Pod name → [IP, role label] for every member that is Ready. */
async function members(): Promise<Record<string, [string, string]>> {
  const pods = (await core.listNamespacedPod({ namespace: 'default', labelSelector: `cluster-name=${NAME}` })).items;
  const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  return Object.fromEntries(ready.map((p) => [p.metadata!.name!, [p.status!.podIP!, p.metadata!.labels?.['spilo-role'] ?? '']]));
}

/** the namespace's hosts file as the kubelet wrote it, for a failure message */
function hostsFile(): string {
  try {
    const dir = join(w.dir, 'service-hosts');
    return readdirSync(dir).map((f) => `${f}: ${readFileSync(join(dir, f), 'utf8')}`).join('\n');
  } catch (e) {
    return String(e);
  }
}

beforeAll(async () => {
  w = await startMemberWorld('zpg-names-', [32, 34]);
  core = w.kc.makeApiClient(k8s.CoreV1Api);
  await w.kc.makeApiClient(k8s.CustomObjectsApi).createNamespacedCustomObject({
    group: 'acid.zalan.do',
    version: 'v1',
    plural: 'postgresqls',
    namespace: 'default',
    body: clusterManifest({ name: NAME, instances: 2 }),
  });
}, 60_000);

afterAll(async () => {
  expect(await w?.stop()).toEqual([]);
}, 60_000);

describe('Service names in pods', () => {
  let leader: string;
  let replica: string;
  let ips: Record<string, string>;

  it('the master Service name reaches the leader, the -repl name a replica', async () => {
    const m = (await eventually('a leader and a ready replica', async () => {
      const m = await members();
      return Object.values(m).map(([, role]) => role).sort().join() === 'master,replica' && m;
    }, 60_000, 500)) as Record<string, [string, string]>;
    ips = Object.fromEntries(Object.entries(m).map(([pod, [ip]]) => [pod, ip]));
    leader = Object.keys(m).find((p) => m[p][1] === 'master')!;
    replica = Object.keys(m).find((p) => m[p][1] === 'replica')!;
    // The replica asks by name and lands on the leader, and the other way round.
    await eventually('the master name resolves', async () => (await ask(replica, NAME)) === `${ips[leader]}|f`, 15_000, 250);
    let answer = '';
    await eventually(
      'the -repl name resolves',
      async () => (answer = await ask(leader, `${NAME}-repl`).catch((e: unknown) => String(e))) === `${ips[replica]}|t`,
      30_000,
      250,
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}; last answer: ${answer}; hosts: ${hostsFile()}`);
    });
    expect(await ask(replica, `${NAME}.default.svc.cluster.local`)).toBe(`${ips[leader]}|f`);
  }, 90_000);

  it('PostgreSQL itself resolves them (the names are in its environment too)', async () => {
    const sql = "create temp table r(line text); copy r from program 'getent ahostsv4 acid-names-repl'; select split_part(line, ' ', 1) from r limit 1";
    const out = (await w.kubectl('exec', leader, '--', 'psql', '-qtAc', sql)).trim();
    expect(out).toBe(ips[replica]);
  });

  it('after the leader crashes, the master name reaches the new leader', async () => {
    await w.world.kubelet!.memberOf('default', leader)!.kill();
    await eventually('the master name follows the failover', async () => (await ask(replica, NAME)) === `${ips[replica]}|f`, 40_000, 500);
  }, 60_000);
});
