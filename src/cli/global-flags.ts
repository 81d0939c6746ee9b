// kubectl's global flags, shared by every command that talks to a cluster.
import type { Command } from 'commander';

export interface GlobalFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces?: boolean;
}

export function addGlobalFlags(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <file>', 'path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'the kubeconfig context to use')
    .option('-n, --namespace <name>', 'the namespace to work in')
    .option('-A, --all-namespaces', 'work across all namespaces');
}
