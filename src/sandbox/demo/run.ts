// `zpg demo`: the sandbox (API, controllers, kubelet, S3), zpg's CRDs, the
// operator in this process, and two sample clusters it turns into real
// Patroni + PostgreSQL members. Runs until SIGINT or SIGTERM, then stops
// everything it started, last started first.
import { join } from 'node:path';
import { claimDataDir } from './data-dir.ts';
import { createClusters, installCrds, installOperatorConfig } from './install.ts';
import { ClusterObserver, type DemoCluster } from './observe.ts';
import { startDemoOperator } from './operator.ts';
import { lineReporter, ttyReporter, type Reporter } from './report.ts';
import { SAMPLE_DATABASE, startSampleWriter } from './sample-data.ts';
import { CLUSTER_NAMESPACE, CONFIG_MAP_NAME, OPERATOR_NAMESPACE, SAMPLE_CLUSTERS } from './samples.ts';
import { claimSubnet } from './subnet.ts';
import { divertStderr } from './stderr-log.ts';
import { S3_BUCKET, startWorld } from './world.ts';

export interface DemoOptions {
  dataDir: string;
  kubeconfig?: string;
  /** plain lines instead of the live view */
  headless: boolean;
  /** run the kubelet (real members); false with --no-pods */
  pods: boolean;
  /** run zpg's operator in this process; false with --no-operator, so another one can be tried against the world */
  operator?: boolean;
  /** create the sample clusters; false with --no-clusters */
  clusters?: boolean;
  /** WAL archiving and base backups into the demo's S3; false with --no-backups */
  backups?: boolean;
  /** how often the summary is refreshed */
  intervalMs?: number;
  /** the console, opened on the sandbox on a terminal; the demo stops when it closes */
  console?: (kubeconfig: string) => Promise<void>;
}

/** A stop request cut the start-up short: clean up what started, quietly. */
class Stopped extends Error {}

export async function runDemo(o: DemoOptions): Promise<void> {
  const startedAt = Date.now();
  const out = process.stdout;
  const interactive = !o.headless && out.isTTY === true;
  const withConsole = interactive && process.stdin.isTTY === true && o.console !== undefined;
  const report: Reporter = !interactive || withConsole ? lineReporter(out) : ttyReporter(out);
  const cleanups: { what: string; run: () => Promise<void> | void }[] = [];
  let stopping = false;
  let wake = () => {};
  const stopRequested = new Promise<void>((resolve) => (wake = resolve));
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) {
      // A second signal: no more waiting. The members' exit hook still kills them.
      process.stderr.write(`zpg demo: ${sig} again: exiting now\n`);
      process.exit(130);
    }
    stopping = true;
    wake();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const step = async <T>(what: string, start: () => Promise<T> | T, stop?: (t: T) => Promise<void> | void): Promise<T> => {
    const t = await start();
    if (stop) cleanups.push({ what, run: () => stop(t) });
    if (stopping) throw new Stopped();
    return t;
  };

  let timer: NodeJS.Timeout | undefined;
  try {
    const dir = await step('data directory', () => claimDataDir(o.dataDir, { members: o.pods }), (d) => d.release());
    const kubeconfig = o.kubeconfig ?? join(dir.dir, 'kubeconfig');
    const subnet = o.pods ? await step('subnet', () => claimSubnet(), (s) => s.release()) : undefined;
    const world = await step('sandbox', () => startWorld({ dataDir: dir.dir, kubeconfig, subnet: subnet?.octet }), (w) => w.stop());
    report.info(`Kubernetes API ${world.api.url} (in memory)`);
    report.info(`kubeconfig ${kubeconfig}`);
    report.info(`S3 ${world.s3.endpoint} (bucket ${S3_BUCKET}, access key S3RVER)`);
    report.info(o.pods ? `kubelet: pods run as Patroni + PostgreSQL 15 on 127.0.${subnet!.octet}.x, data under ${dir.dir}/volumes` : 'no kubelet (--no-pods): pods stay Pending');
    const crds = await step('CRDs', () => installCrds(world.api.registry));
    // Backups go to the demo's S3: the clusters archive WAL and take base backups there (zpg backups shows them).
    const store = o.backups === false ? undefined : { endpoint: world.s3.endpoint, bucket: S3_BUCKET };
    installOperatorConfig(world.api.registry, store);
    const withOperator = o.operator !== false;
    const withClusters = o.clusters !== false;
    if (withOperator) {
      const logFile = join(dir.dir, 'operator.log');
      await step('operator', () => startDemoOperator(kubeconfig, logFile), (op) => op.stop());
      report.info(`operator running (${crds.length} CRDs; ConfigMap ${OPERATOR_NAMESPACE}/${CONFIG_MAP_NAME}; log ${logFile})`);
    } else {
      report.info(`no operator (--no-operator): ${crds.length} CRDs and ConfigMap ${OPERATOR_NAMESPACE}/${CONFIG_MAP_NAME} are installed; start one against the kubeconfig, e.g. zpg --daemon --kubeconfig ${kubeconfig} -n ${OPERATOR_NAMESPACE} --config-map ${CONFIG_MAP_NAME} --watched-namespace '*' --port 0`);
    }
    if (withClusters) {
      createClusters(world.api.registry, SAMPLE_CLUSTERS, store);
      report.info(`created ${SAMPLE_CLUSTERS.map((c) => `default/${c.name} (${c.instances} members)`).join(' and ')}`);
      if (o.pods && withOperator) {
        const cluster = SAMPLE_CLUSTERS[0]!.name;
        await step('sample data', () => startSampleWriter(world.api.registry, { namespace: CLUSTER_NAMESPACE, cluster }), (w) => w.stop());
        report.info(`sample data: ${cluster}'s database ${SAMPLE_DATABASE} gets demo_accounts (10,000 rows) and demo_ticks (a row every 5 s) once it runs`);
      }
    } else {
      report.info('no clusters (--no-clusters): create postgresql manifests with kubectl apply -f');
    }
    report.info(`try: zpg --kubeconfig ${kubeconfig} list`);
    if (!withOperator || !withClusters) {
      // Nothing here will converge on its own: the world is ready as soon as it runs.
      report.info(`ready after ${((Date.now() - startedAt) / 1000).toFixed(1)} s: the sandbox alone${withOperator ? '' : ', no operator'}${withClusters ? ', sample manifests waiting for an operator' : ', no clusters'}; kubeconfig ${kubeconfig}`);
    }
    if (withConsole) {
      // The console takes the screen; the members come up under its eyes. Quitting it ends the demo.
      const logFile = join(dir.dir, 'sandbox.log');
      const diverted = divertStderr(logFile);
      try {
        await Promise.race([o.console!(kubeconfig).finally(() => wake()), stopRequested]);
      } finally {
        const n = diverted.restore();
        if (n) process.stderr.write(`zpg demo: ${n} message${n === 1 ? '' : 's'} from the sandbox while the console was open: ${logFile}\n`);
      }
      stopping = true;
      throw new Stopped();
    }

    const observer = new ClusterObserver(world.api.registry, { members: o.pods });
    let announced = !withOperator || !withClusters;
    let busy = false;
    const tick = async () => {
      if (busy || stopping) return;
      busy = true;
      try {
        const clusters = await observer.observe();
        if (stopping) return;
        report.clusters(clusters);
        if (!announced && samplesReady(clusters)) {
          announced = true;
          report.info(readyLine(o.pods, kubeconfig, (Date.now() - startedAt) / 1000));
        }
      } catch (e) {
        process.stderr.write(`zpg demo: reading the clusters: ${e instanceof Error ? e.message : String(e)}\n`);
      } finally {
        busy = false;
      }
    };
    timer = setInterval(() => void tick(), o.intervalMs ?? 2_000);
    void tick();
    await stopRequested;
  } catch (e) {
    if (!(e instanceof Stopped)) {
      await cleanUp(cleanups);
      throw e;
    }
  } finally {
    clearInterval(timer);
    report.close();
  }
  const parts = [...(o.operator !== false ? ['the operator'] : []), ...(o.pods ? ['the members'] : []), 'S3'];
  process.stdout.write(`zpg demo: stopping ${parts.join(', ')} and the API\n`);
  await cleanUp(cleanups);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.stdout.write('zpg demo: stopped\n');
  // Every server is closed; a keep-alive socket or a client's timer must not hold the exit up.
  setTimeout(() => process.exit(process.exitCode ?? 0), 2_000).unref();
}

async function cleanUp(cleanups: { what: string; run: () => Promise<void> | void }[]): Promise<void> {
  let current = '';
  // Also keeps the event loop alive: a stop that never settles must not end the process silently half-way.
  const watchdog = setTimeout(() => {
    process.stderr.write(`zpg demo: stopping the ${current} takes too long; exiting (members are killed on exit)\n`);
    process.exit(1);
  }, 60_000);
  for (const c of cleanups.splice(0).reverse()) {
    current = c.what;
    try {
      await c.run();
    } catch (e) {
      process.stderr.write(`zpg demo: stopping the ${c.what}: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  clearTimeout(watchdog);
}

function samplesReady(clusters: DemoCluster[]): boolean {
  return SAMPLE_CLUSTERS.every((s) => clusters.some((c) => c.row.namespace === 'default' && c.row.name === s.name && c.ready));
}

function readyLine(pods: boolean, kubeconfig: string, seconds: number): string {
  const names = SAMPLE_CLUSTERS.map((c) => `default/${c.name} (${c.instances} members)`).join(' and ');
  const hint = `try: zpg --kubeconfig ${kubeconfig} list`;
  if (!pods) return `ready (no pods) after ${seconds.toFixed(1)} s: the operator made ${names}; their pods stay Pending without a kubelet; ${hint}`;
  return `ready after ${seconds.toFixed(1)} s: ${names} are streaming, one leader each; ${hint}`;
}
