// The fast path of the one-shot commands: the kubeconfig and the API server
// through the lite client (no client-node), failures as one actionable line.
import type { Command } from 'commander';
import { KubeConfigError, LiteUnsupported, loadLiteKube, type LiteKube } from '../services/kube/lite/kubeconfig.ts';
import { KubeApiError } from '../services/kube/lite/request.ts';
import { UsageError } from './errors.ts';
import type { GlobalFlags } from './global-flags.ts';

export type LiteTarget = LiteKube & { allNamespaces: boolean };

/** The lite target, or undefined when the kubeconfig needs client-node (auth-provider plugins, proxies). */
export function liteFrom(cmd: Command): LiteTarget | undefined {
  const f = cmd.optsWithGlobals<GlobalFlags>();
  try {
    return { ...loadLiteKube(f), allNamespaces: f.allNamespaces === true };
  } catch (e) {
    if (e instanceof LiteUnsupported) return undefined;
    if (e instanceof KubeConfigError) throw new UsageError(e.message, 1);
    throw e;
  }
}

export async function withLite<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof KubeApiError || e instanceof KubeConfigError) throw new UsageError(e.message, 1);
    throw e;
  }
}
