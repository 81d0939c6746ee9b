// Legacy discovery documents and a minimal OpenAPI v3 index. kubectl needs the
// former to map kinds to URLs, and the latter so `apply` validates on the
// server instead of failing with "failed to download openapi".
import { ResourceCatalog, apiVersionOf } from './resources.ts';
import type { ResourceType } from './types.ts';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4-zpg',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'go1.23',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export function apiVersions(serverAddress: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupDoc(catalog: ResourceCatalog, group: string) {
  const versions = catalog
    .groupVersions()
    .filter((gv) => gv.startsWith(`${group}/`))
    .map((gv) => ({ groupVersion: gv, version: gv.slice(group.length + 1) }));
  if (!versions.length) return undefined;
  return { name: group, versions, preferredVersion: versions[0] };
}

export function apiGroupList(catalog: ResourceCatalog) {
  const groups = [...new Set(catalog.groupVersions().filter((gv) => gv.includes('/')).map((gv) => gv.split('/')[0]))];
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => groupDoc(catalog, g)) };
}

export function apiGroup(catalog: ResourceCatalog, group: string) {
  const doc = groupDoc(catalog, group);
  return doc && { kind: 'APIGroup', apiVersion: 'v1', ...doc };
}

function resourceEntries(rt: ResourceType) {
  const main = {
    name: rt.plural,
    singularName: rt.singular,
    namespaced: rt.namespaced,
    kind: rt.kind,
    verbs: VERBS,
    ...(rt.shortNames.length ? { shortNames: rt.shortNames } : {}),
    ...(rt.categories.length ? { categories: rt.categories } : {}),
  };
  const subs = [
    ...(rt.statusSubresource ? [{ name: `${rt.plural}/status`, singularName: '', namespaced: rt.namespaced, kind: rt.kind, verbs: ['get', 'patch', 'update'] }] : []),
    ...rt.subresources.map((s) => ({
      name: `${rt.plural}/${s}`,
      singularName: '',
      namespaced: rt.namespaced,
      kind: s === 'log' || s === 'exec' || s === 'portforward' || s === 'attach' ? 'PodExecOptions' : rt.kind,
      verbs: s === 'log' ? ['get'] : s === 'scale' ? ['get', 'patch', 'update'] : ['create', 'get'],
    })),
  ];
  return [main, ...subs];
}

export function apiResourceList(catalog: ResourceCatalog, groupVersion: string) {
  const rts = catalog.resources(groupVersion);
  if (!rts.length) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources: rts.flatMap(resourceEntries) };
}

/** `/openapi/v3`: one entry per group version, each pointing at a small document. */
export function openApiIndex(catalog: ResourceCatalog) {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of catalog.groupVersions()) {
    const p = gv.includes('/') ? `apis/${gv}` : `api/${gv}`;
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hashOf(catalog, gv)}` };
  }
  return { paths };
}

function hashOf(catalog: ResourceCatalog, gv: string): string {
  // Changes whenever the group version's resources change, so kubectl's cache refreshes.
  const text = catalog.resources(gv).map((rt) => `${rt.plural}:${rt.kind}`).join(',');
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).toUpperCase().padStart(16, '0');
}

/**
 * Just enough for kubectl 1.32: each resource's PATCH operation says it takes
 * fieldValidation, so kubectl validates on the server. No schemas: without a
 * requestBody kubectl computes patches from its compiled-in types, as it must.
 */
export function openApiDocument(catalog: ResourceCatalog, groupVersion: string) {
  const rts = catalog.resources(groupVersion);
  if (!rts.length) return undefined;
  const paths: Record<string, unknown> = {};
  for (const rt of rts) {
    const base = rt.group ? `/apis/${apiVersionOf(rt)}` : '/api/v1';
    const path = rt.namespaced ? `${base}/namespaces/{namespace}/${rt.plural}/{name}` : `${base}/${rt.plural}/{name}`;
    paths[path] = {
      patch: {
        'x-kubernetes-group-version-kind': { group: rt.group, version: rt.version, kind: rt.kind },
        'x-kubernetes-action': 'patch',
        parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } }],
        responses: {},
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: VERSION_INFO.gitVersion }, paths };
}
