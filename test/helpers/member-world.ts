// The whole chain for tests that need real members: the sandbox world with its
// kubelet, zpg's CRDs, the operator as the demo runs it, and kubectl pointed at
// it. stop() also reports any process left under the data directory.
import * as k8s from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { installCrds, installOperatorConfig } from '../../src/sandbox/demo/install.ts';
import { startDemoOperator } from '../../src/sandbox/demo/operator.ts';
import { claimSubnet } from '../../src/sandbox/demo/subnet.ts';
import { startWorld, type World } from '../../src/sandbox/demo/world.ts';
import { processesUnder } from '../../src/sandbox/patroni/processes.ts';
import { REPO } from './zpg.ts';

const run = promisify(execFile);
const KUBECTL = join(REPO, '.tools', 'bin', 'kubectl');

export interface MemberWorld {
  dir: string;
  world: World;
  kc: k8s.KubeConfig;
  kubectl(...args: string[]): Promise<string>;
  /** the operator's HTTP API (health, metrics, Zalando's /config and friends) */
  operatorUrl: string;
  /** stops the operator alone (members keep running), for tests that must not race its own Patroni sync */
  stopOperator(): Promise<void>;
  /** stops everything; resolves with the pids still running under the data directory (none, when clean) */
  stop(): Promise<number[]>;
}

/** `subnets`: the loopback octets this test file may claim (see src/sandbox/demo/subnet.ts) */
export async function startMemberWorld(prefix: string, subnets: [number, number]): Promise<MemberWorld> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755); // members run as postgres when tests run as root
  const subnet = claimSubnet(...subnets);
  const world = await startWorld({ dataDir: dir, kubeconfig: join(dir, 'kubeconfig'), subnet: subnet.octet });
  installCrds(world.api.registry);
  installOperatorConfig(world.api.registry);
  const operator = await startDemoOperator(world.kubeconfig, join(dir, 'operator.log'));
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(world.kubeconfig);
  let operatorStopped: Promise<void> | undefined;
  return {
    dir,
    world,
    kc,
    kubectl: async (...args) => (await run(KUBECTL, ['--kubeconfig', world.kubeconfig, ...args])).stdout,
    operatorUrl: operator.daemon.url,
    stopOperator: () => (operatorStopped ??= operator.stop()),
    stop: async () => {
      await (operatorStopped ??= operator.stop());
      await world.stop();
      subnet.release();
      const left = processesUnder(dir).map((p) => p.pid);
      rmSync(dir, { recursive: true, force: true });
      return left;
    },
  };
}
