// What a cluster administrator would apply before the operator runs: zpg's
// CRDs from deploy/crds, the operator's namespace and ConfigMap. Written
// straight into the registry: the demo is the API server's own process.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { Registry } from '../api/registry.ts';
import { clusterManifest, operatorConfigMap, OPERATOR_NAMESPACE, type SampleCluster } from './samples.ts';

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

export function installOperatorConfig(registry: Registry): void {
  const namespaces = registry.catalog.get('v1', 'namespaces')!;
  if (!registry.find(namespaces, undefined, OPERATOR_NAMESPACE)) registry.create(namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: OPERATOR_NAMESPACE } });
  registry.create(registry.catalog.get('v1', 'configmaps')!, OPERATOR_NAMESPACE, operatorConfigMap());
}

export function createClusters(registry: Registry, clusters: SampleCluster[]): void {
  const postgresqls = registry.catalog.get('acid.zalan.do/v1', 'postgresqls')!;
  for (const c of clusters) {
    const m = clusterManifest(c);
    registry.create(postgresqls, (m.metadata as { namespace: string }).namespace, m);
  }
}
