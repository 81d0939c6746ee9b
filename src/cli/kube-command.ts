// Shared by every command that talks to a cluster: kubeconfig from the global
// flags, and Kubernetes failures turned into one actionable line.
import type { Command } from 'commander';
import { KubeConfigError, describeKubeError, loadKubeConfig, type LoadedKubeConfig } from '../services/kube/config.ts';
import { UsageError } from './errors.ts';
import type { GlobalFlags } from './global-flags.ts';

export function kubeFrom(cmd: Command): LoadedKubeConfig & { allNamespaces: boolean } {
  return kubeFromFlags(cmd.optsWithGlobals<GlobalFlags>());
}

export function kubeFromFlags(f: GlobalFlags): LoadedKubeConfig & { allNamespaces: boolean } {
  try {
    return { ...loadKubeConfig(f), allNamespaces: f.allNamespaces === true };
  } catch (e) {
    if (e instanceof KubeConfigError) throw new UsageError(e.message, 1);
    throw e;
  }
}

export async function withKube<T>(k: LoadedKubeConfig, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(describeKubeError(e, k.server), 1);
  }
}
