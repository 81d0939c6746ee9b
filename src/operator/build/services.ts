// Master and replica Services, and the master Endpoints Patroni updates in
// Endpoints mode (zalando-operator.md §2.2, §2.5).
import type { StrMap } from '../model/types.ts';
import { meta, objectLabels, roleLabels, selectorLabels, serviceName, type ClusterContext, type Role } from './meta.ts';

type Obj = Record<string, unknown>;

export const DNS_ANNOTATION = 'external-dns.alpha.kubernetes.io/hostname';

export function service(c: ClusterContext, role: Role): Obj {
  const { config, pg } = c;
  const spec = pg.spec;
  const name = serviceName(c.name, role);
  const lb = role === 'master' ? (spec.enableMasterLoadBalancer ?? config.enable_master_load_balancer) : (spec.enableReplicaLoadBalancer ?? config.enable_replica_load_balancer);
  const nodePort = role === 'master' ? (spec.enableMasterNodePort ?? config.enable_master_node_port) : (spec.enableReplicaNodePort ?? config.enable_replica_node_port);
  const port: Obj = { name: 'postgresql', port: 5432, targetPort: 5432 };
  const explicitNodePort = role === 'master' ? spec.masterNodePort : spec.replicaNodePort;
  const svc: Obj = { ports: [port], type: nodePort ? 'NodePort' : lb ? 'LoadBalancer' : 'ClusterIP' };
  if (nodePort && explicitNodePort) port.nodePort = explicitNodePort;
  // In Endpoints mode Patroni writes the master Endpoints itself, so the Service has no selector.
  if (role === 'replica' || config.kubernetes_use_configmaps) svc.selector = roleLabels(selectorLabels(c), c, role);
  if (!nodePort && lb) {
    svc.loadBalancerSourceRanges = spec.allowedSourceRanges && spec.allowedSourceRanges.length > 0 ? spec.allowedSourceRanges : ['127.0.0.1/32'];
    svc.externalTrafficPolicy = config.external_traffic_policy;
  }
  const annotations: StrMap = {
    ...config.custom_service_annotations,
    ...(spec.serviceAnnotations ?? {}),
    ...((role === 'master' ? spec.masterServiceAnnotations : spec.replicaServiceAnnotations) ?? {}),
  };
  if (lb && !nodePort) annotations[DNS_ANNOTATION] = dnsNames(c, role);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(c, name, roleLabels(objectLabels(c), c, role), annotations),
    spec: svc,
  };
}

function dnsNames(c: ClusterContext, role: Role): string {
  const { config } = c;
  const team = (c.pg.spec.teamId ?? '').toLowerCase();
  const fill = (format: string) =>
    format.replaceAll('{cluster}', c.name).replaceAll('{namespace}', c.namespace).replaceAll('{team}', team).replaceAll('{hostedzone}', config.db_hosted_zone);
  const names = [fill(role === 'master' ? config.master_dns_name_format : config.replica_dns_name_format)];
  const legacy = role === 'master' ? config.master_legacy_dns_name_format : config.replica_legacy_dns_name_format;
  if (team && c.name.startsWith(`${team}-`) && legacy) names.push(fill(legacy.replaceAll('{cluster}', c.name.slice(team.length + 1))));
  return names.join(',').toLowerCase();
}

/** Endpoints mode only: created empty; Patroni owns the addresses */
export function masterEndpoints(c: ClusterContext): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: meta(c, c.name, roleLabels(objectLabels(c), c, 'master')),
  };
}
