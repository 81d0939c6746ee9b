// What a cluster administrator would apply before the operator runs: zpg's
// CRDs from deploy/crds, the operator's namespace and ConfigMap. Written
// straight into the registry: the demo is the API server's own process.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { Registry } from '../api/registry.ts';
import { CLUSTER_NAMESPACE, clusterManifest, operatorConfigMap, OPERATOR_NAMESPACE, s3Secret, type DemoBackupStore, type SampleCluster } from './samples.ts';

/** deploy/crds of this checkout, found from here in the sources and in the bundle (dist/chunks) alike. */
export function crdDirectory(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'deploy', 'crds');
    if (existsSync(join(candidate, 'postgresql.yaml'))) return candidate;
    if (dir === dirname(dir)) throw new Error(`deploy/crds not found above ${from}: zpg demo runs from a zpg checkout`);
  }
}

export function installCrds(registry: Registry, dir = crdDirectory()): string[] {
  const crdType = registry.catalog.get('apiextensions.k8s.io/v1', 'customresourcedefinitions')!;
  const names: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const crd = doc.toJS() as { metadata: { name: string } } | null;
      if (!crd) continue;
      registry.create(crdType, undefined, crd);
      names.push(crd.metadata.name);
    }
  }
  return names;
}

/** With a backup store, the configuration names its bucket and the clusters' namespace gets the Secret with its keys. */
export function installOperatorConfig(registry: Registry, store?: DemoBackupStore): void {
  const namespaces = registry.catalog.get('v1', 'namespaces')!;
  if (!registry.find(namespaces, undefined, OPERATOR_NAMESPACE)) registry.create(namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: OPERATOR_NAMESPACE } });
  registry.create(registry.catalog.get('v1', 'configmaps')!, OPERATOR_NAMESPACE, operatorConfigMap(store));
  if (store) {
    const secrets = registry.catalog.get('v1', 'secrets')!;
    const secret = s3Secret();
    // The registry takes objects as they are stored: data, base64.
    const { stringData, ...rest } = secret as { stringData: Record<string, string> };
    const data = Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    if (!registry.find(secrets, CLUSTER_NAMESPACE, (secret.metadata as { name: string }).name)) registry.create(secrets, CLUSTER_NAMESPACE, { ...rest, data });
  }
}

export function createClusters(registry: Registry, clusters: SampleCluster[], store?: DemoBackupStore): void {
  const postgresqls = registry.catalog.get('acid.zalan.do/v1', 'postgresqls')!;
  for (const c of clusters) {
    const m = clusterManifest(c, CLUSTER_NAMESPACE, store);
    registry.create(postgresqls, (m.metadata as { namespace: string }).namespace, m);
  }
}
