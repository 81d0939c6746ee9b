// The daemon's per-cluster series with real Patroni members: a 2-member
// cluster shows a leader, 2 members up, the replica's lag and the timeline;
// Patroni's pause shows as paused; deleting the cluster removes its series.
// deploy/monitoring's PrometheusRule is checked against the names this daemon
// exports (no promtool: the expressions' metric names are parsed out).
import * as k8s from '@kubernetes/client-node';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../src/operator/daemon.ts';
import { installCrds, installOperatorConfig } from '../../src/sandbox/demo/install.ts';
import { clusterManifest, CONFIG_MAP_NAME, OPERATOR_NAMESPACE } from '../../src/sandbox/demo/samples.ts';
import { claimSubnet, type Subnet } from '../../src/sandbox/demo/subnet.ts';
import { startWorld, type World } from '../../src/sandbox/demo/world.ts';
import { processesUnder } from '../../src/sandbox/patroni/processes.ts';
import { PatroniClient } from '../../src/services/patroni/client.ts';
import { memberTransports } from '../../src/services/patroni/transports.ts';
import { createLogger } from '../../src/services/log.ts';
import { promqlMetricNames } from '../helpers/promql-names.ts';
import { eventually } from '../helpers/sandbox.ts';
import { REPO } from '../helpers/zpg.ts';

const NAME = 'acid-metrics';
const NS = 'default';
let dir: string;
let subnet: Subnet;
let world: World;
let daemon: Daemon;
let kc: k8s.KubeConfig;

const scrape = async () => (await fetch(`${daemon.url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();

/** the samples of one metric: labels (as an object) and value */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`).exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    out.push({ labels, value: Number(m[2]) });
  }
  return out;
}
const ofCluster = (text: string, name: string) => samples(text, name).filter((s) => s.labels.namespace === NS && s.labels.cluster === NAME);
const one = (text: string, name: string) => {
  const s = ofCluster(text, name);
  return s.length === 1 ? s[0]!.value : undefined;
};

async function untilScrape(what: string, ok: (text: string) => boolean, timeoutMs = 120_000): Promise<string> {
  let last = '';
  try {
    return (await eventually(what, async () => {
      last = await scrape();
      return ok(last) ? last : undefined;
    }, timeoutMs, 500))!;
  } catch (e) {
    throw new Error(`${(e as Error).message}\nlast scrape (zpg_cluster/zpg_member lines):\n${last.split('\n').filter((l) => /^zpg_(cluster|member)_/.test(l)).join('\n')}`, { cause: e });
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zpg-metrics-'));
  chmodSync(dir, 0o755); // members run as postgres when tests run as root
  subnet = claimSubnet(110, 119);
  world = await startWorld({ dataDir: dir, kubeconfig: join(dir, 'kubeconfig'), subnet: subnet.octet });
  installCrds(world.api.registry);
  installOperatorConfig(world.api.registry);
  kc = new k8s.KubeConfig();
  kc.loadFromFile(world.kubeconfig);
  daemon = await startDaemon({
    kc,
    namespace: OPERATOR_NAMESPACE,
    configMapName: CONFIG_MAP_NAME,
    watchedNamespace: '*',
    port: 0,
    host: '127.0.0.1',
    log: createLogger({ level: 'warn', write: () => {} }),
    healthIntervalMs: 2_000,
  });
  await eventually('the daemon to lead', () => daemon.leading && daemon.controller, 20_000);
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await world?.stop();
  subnet?.release();
  const left = dir ? processesUnder(dir).map((p) => p.pid) : [];
  if (dir) rmSync(dir, { recursive: true, force: true });
  expect(left).toEqual([]);
}, 60_000);

describe('per-cluster metrics on /metrics', () => {
  it('a healthy 2-member cluster: leader present, 2 members up, the replica lag, timeline', async () => {
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    await custom.createNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', namespace: NS, body: clusterManifest({ name: NAME, instances: 2 }, NS) });
    const text = await untilScrape('leader present and 2 members up', (t) => one(t, 'zpg_cluster_leader_present') === 1 && one(t, 'zpg_cluster_members_up') === 2);
    expect(one(text, 'zpg_cluster_members_expected')).toBe(2);
    expect(one(text, 'zpg_cluster_paused')).toBe(0);
    expect(one(text, 'zpg_cluster_patroni_reachable')).toBe(1);
    expect(one(text, 'zpg_cluster_timeline')).toBeGreaterThanOrEqual(1);
    expect(Math.abs(one(text, 'zpg_cluster_observed_timestamp_seconds')! - Date.now() / 1000)).toBeLessThan(120);
    const members = ofCluster(text, 'zpg_member_up');
    expect(members.map((m) => m.labels.member).sort()).toEqual([`${NAME}-0`, `${NAME}-1`]);
    expect(members.every((m) => m.value === 1)).toBe(true);
    const leaders = ofCluster(text, 'zpg_member_leader').filter((m) => m.value === 1);
    expect(leaders).toHaveLength(1);
    // lag is a replica's: one series, for the member that is not the leader, a small number of bytes
    const lag = ofCluster(text, 'zpg_member_replication_lag_bytes');
    expect(lag.map((l) => l.labels.member)).toEqual([[`${NAME}-0`, `${NAME}-1`].find((m) => m !== leaders[0]!.labels.member)]);
    expect(lag[0]!.value).toBeGreaterThanOrEqual(0);
    expect(lag[0]!.value).toBeLessThan(64 * 1024 * 1024);
  }, 180_000);

  it('every metric the PrometheusRule uses is one the daemon exports', async () => {
    const text = await scrape();
    const exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const docs = parseAllDocuments(readFileSync(join(REPO, 'deploy', 'monitoring', 'prometheus-rule.yaml'), 'utf8')).map((d) => d.toJS());
    const rule = docs.find((d) => d.kind === 'PrometheusRule');
    const rules = (rule.spec.groups as { rules: { alert: string; expr: string }[] }[]).flatMap((g) => g.rules);
    const alerts = rules.map((r) => r.alert);
    for (const wanted of ['ZpgClusterNoLeader', 'ZpgReplicationLagHigh', 'ZpgClusterMemberDown', 'ZpgRolloutStuck', 'ZpgBaseBackupOverdue', 'ZpgWalArchivingStalled']) expect(alerts).toContain(wanted);
    for (const r of rules) {
      const names = promqlMetricNames(String(r.expr));
      expect(names.length, `${r.alert} reads no metric`).toBeGreaterThan(0);
      for (const n of names) expect(exported.has(n), `${r.alert}: ${n} is not exported`).toBe(true);
    }
    // the series the cluster alerts read carry the labels the annotations name
    for (const n of ['zpg_cluster_leader_present', 'zpg_cluster_members_up', 'zpg_cluster_members_expected', 'zpg_cluster_rollout_in_progress']) {
      expect(Object.keys(ofCluster(text, n)[0]?.labels ?? {}).sort(), n).toEqual(['cluster', 'namespace']);
    }
    const monitor = parseAllDocuments(readFileSync(join(REPO, 'deploy', 'monitoring', 'service-monitor.yaml'), 'utf8'))[0]!.toJS();
    const service = parseAllDocuments(readFileSync(join(REPO, 'deploy', 'service.yaml'), 'utf8'))[0]!.toJS();
    // the ServiceMonitor finds the operator's Service and its port by name
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: service.spec.ports[0].name, path: '/metrics' });
    for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels as Record<string, string>)) {
      expect({ ...service.metadata.labels, 'app.kubernetes.io/name': 'zpg' }[k], k).toBe(v); // the name label comes from deploy/kustomization.yaml
    }
  }, 60_000);

  it("Patroni's pause shows as paused 1, resume as 0", async () => {
    const patroni = new PatroniClient(memberTransports(kc)({ namespace: NS, pod: `${NAME}-0` }), 10_000);
    await patroni.setPaused(true);
    await untilScrape('paused 1', (t) => one(t, 'zpg_cluster_paused') === 1, 60_000);
    await patroni.setPaused(false);
    await untilScrape('paused 0', (t) => one(t, 'zpg_cluster_paused') === 0, 60_000);
  }, 150_000);

  it("a deleted cluster's series are gone", async () => {
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    await custom.deleteNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', namespace: NS, name: NAME });
    const text = await untilScrape('no series of the cluster', (t) => ofCluster(t, 'zpg_cluster_members_expected').length === 0 && ofCluster(t, 'zpg_member_up').length === 0, 60_000);
    expect(text).not.toContain(`cluster="${NAME}"`);
  }, 90_000);
});
