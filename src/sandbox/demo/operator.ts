// `zpg --daemon` inside the demo's process, exactly as it runs in a cluster:
// through a kubeconfig, configured by the postgres-operator ConfigMap, leading
// through its Lease. Its JSON log goes to a file, so the terminal stays
// readable; errors are repeated on stderr.
import * as k8s from '@kubernetes/client-node';
import { createWriteStream } from 'node:fs';
import { startDaemon, type Daemon } from '../../operator/daemon.ts';
import { createLogger } from '../../services/log.ts';
import { CONFIG_MAP_NAME, OPERATOR_NAMESPACE } from './samples.ts';

export interface DemoOperator {
  daemon: Daemon;
  logFile: string;
  stop(): Promise<void>;
}

export async function startDemoOperator(kubeconfig: string, logFile: string): Promise<DemoOperator> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const out = createWriteStream(logFile, { flags: 'a' });
  const write = (line: string) => {
    out.write(line);
    // Errors also reach the terminal: a cluster that never gets ready should not need the log to explain why.
    if (line.includes('"level":"error"')) process.stderr.write(`zpg demo: operator error (see ${logFile}): ${messageOf(line)}\n`);
  };
  const log = createLogger({ level: 'info', write, base: { component: 'zpg-operator' } });
  try {
    const daemon = await startDaemon({
      kc,
      namespace: OPERATOR_NAMESPACE,
      configMapName: CONFIG_MAP_NAME,
      watchedNamespace: '*',
      port: 0,
      host: '127.0.0.1',
      log,
    });
    return {
      daemon,
      logFile,
      stop: async () => {
        await daemon.stop();
        await new Promise<void>((r) => out.end(r));
      },
    };
  } catch (e) {
    out.end();
    throw e;
  }
}

function messageOf(line: string): string {
  try {
    const entry = JSON.parse(line) as { msg?: string; cluster?: string; error?: string };
    return [entry.cluster, entry.msg, entry.error].filter(Boolean).join(': ');
  } catch {
    return line.trim();
  }
}
