// `zpg --daemon`: the headless operator, configured like Zalando's through the
// environment (CONFIG_MAP_NAME, POSTGRES_OPERATOR_CONFIGURATION_OBJECT,
// WATCHED_NAMESPACE, POD_NAMESPACE, CONTROLLER_ID) or the matching flags.
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';

export interface DaemonFlags {
  port?: string;
  configMap?: string;
  operatorConfiguration?: string;
  watchedNamespace?: string;
}

export async function runDaemon(cmd: Command, flags: DaemonFlags, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // Loaded on use, as every command does: a static import would put client-node (~0.5 s) in front of every zpg start.
  const [{ startDaemon }, { kubeFrom, withKube }] = await Promise.all([import('../../operator/daemon.ts'), import('../kube-command.ts')]);
  const k = kubeFrom(cmd);
  const port = Number(flags.port ?? env.ZPG_PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${flags.port}: use a port number from 0 to 65535`);
  const configMapName = flags.configMap ?? env.CONFIG_MAP_NAME;
  const operatorConfigurationName = flags.operatorConfiguration ?? env.POSTGRES_OPERATOR_CONFIGURATION_OBJECT;
  if (configMapName && operatorConfigurationName) {
    throw new UsageError('set either a ConfigMap (CONFIG_MAP_NAME) or an OperatorConfiguration (POSTGRES_OPERATOR_CONFIGURATION_OBJECT), not both');
  }
  const daemon = await withKube(k, () =>
    startDaemon({
      kc: k.kc,
      namespace: env.POD_NAMESPACE || k.namespace,
      configMapName,
      operatorConfigurationName,
      watchedNamespace: flags.watchedNamespace ?? env.WATCHED_NAMESPACE,
      controllerId: env.CONTROLLER_ID ?? '',
      port,
    }),
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void daemon.stop().then(resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
