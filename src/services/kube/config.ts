// Loads a kubeconfig the way kubectl does (--kubeconfig, then $KUBECONFIG,
// then ~/.kube/config, then in-cluster), applies --context and --namespace,
// and says plainly what is missing when nothing is found.
import * as k8s from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { requestTransport } from './request-transport.ts';

export interface KubeTarget {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export class KubeConfigError extends Error {}

export interface LoadedKubeConfig {
  kc: k8s.KubeConfig;
  context: string;
  namespace: string;
  server: string;
}

export function loadKubeConfig(t: KubeTarget, env: NodeJS.ProcessEnv = process.env): LoadedKubeConfig {
  const kc = new k8s.KubeConfig();
  const file = t.kubeconfig ?? env.KUBECONFIG?.split(':').find((f) => f && existsSync(f));
  const home = join(homedir(), '.kube', 'config');
  try {
    if (t.kubeconfig && !existsSync(t.kubeconfig)) throw new KubeConfigError(`--kubeconfig ${t.kubeconfig}: no such file`);
    if (file) kc.loadFromFile(file);
    else if (existsSync(home)) kc.loadFromFile(home);
    else if (env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
    else {
      throw new KubeConfigError(
        'no kubeconfig found: pass --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config (zpg demo writes one for its sandbox)',
      );
    }
  } catch (e) {
    if (e instanceof KubeConfigError) throw e;
    throw new KubeConfigError(`cannot read the kubeconfig ${file ?? home}: ${e instanceof Error ? e.message : String(e)}`);
  }
  prepareClient(kc);
  if (t.context) {
    if (!kc.getContextObject(t.context)) {
      const known = kc.getContexts().map((c) => c.name).join(', ') || 'none';
      throw new KubeConfigError(`--context ${t.context}: no such context in the kubeconfig (contexts: ${known})`);
    }
    kc.setCurrentContext(t.context);
  }
  const ctx = kc.getContextObject(kc.getCurrentContext());
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new KubeConfigError(`the kubeconfig's current context "${kc.getCurrentContext()}" names no cluster server`);
  return { kc, context: kc.getCurrentContext(), namespace: t.namespace ?? ctx?.namespace ?? 'default', server };
}

/** the adjustments zpg makes to every client-node KubeConfig it uses (each below says why) */
export function prepareClient(kc: k8s.KubeConfig): void {
  allowPlainHttp(kc);
  shareDispatchers(kc);
  requestTransport(kc);
}

/**
 * kubectl talks to an http:// server as it is; client-node refuses it unless
 * the cluster says insecure-skip-tls-verify ("HTTP protocol is not allowed when
 * skipTLSVerify is not set"). Over plain HTTP there is no certificate to
 * verify, so saying it for those clusters only changes the refusal, not the
 * security.
 */
export function allowPlainHttp(kc: k8s.KubeConfig): void {
  for (const c of kc.clusters) {
    if (c.server.startsWith('http:') && !c.skipTLSVerify) (c as { skipTLSVerify: boolean }).skipTLSVerify = true;
  }
}

/**
 * client-node 2.0 builds a new undici Agent for every request whenever TLS
 * options exist (a CA, a client certificate, or skip-verify), so each call
 * opens a new connection and the agents pile up until their sockets time
 * out: 2,680 of them after 300 clusters in the operator bench. One agent per
 * distinct set of options restores connection reuse.
 */
export function shareDispatchers(kc: k8s.KubeConfig): void {
  type Create = (cluster: unknown, options: Record<string, unknown>) => unknown;
  const target = kc as unknown as { createDispatcher?: Create; zpgShared?: true };
  const create = target.createDispatcher?.bind(kc);
  if (!create || target.zpgShared) return;
  target.zpgShared = true;
  const cache = new Map<string, unknown>();
  target.createDispatcher = (cluster, options) => {
    const key = JSON.stringify([cluster, options], (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('base64') : v));
    if (!cache.has(key)) cache.set(key, create(cluster, options));
    return cache.get(key);
  };
}

/** One line for a failed Kubernetes call: what happened and what to do. */
export function describeKubeError(e: unknown, server: string): string {
  if (e instanceof k8s.ApiException) {
    const reason = statusMessage(e.body);
    if (e.code === 401) return `the API server at ${server} rejected the credentials (401): refresh them or pick another --context`;
    if (e.code === 403) return `the API server at ${server} forbids this (403): ${reason || 'ask for RBAC access'}`;
    if (e.code === 404 && reason === 'the server could not find the requested resource') {
      return `the API server at ${server} does not serve postgresqls.acid.zalan.do (404): install the postgresql CRD, as the Zalando operator's manifests do`;
    }
    if (e.code === 404) return `not found (404): ${reason}`;
    return `the API server at ${server} answered ${e.code}${reason ? `: ${reason}` : ''}`;
  }
  const msg = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
  if (msg === 'bad port') {
    // fetch refuses the ports on the WHATWG "bad ports" list (1, 7, 9, 25, 6000, ...) before it connects
    const port = portOf(server);
    return `cannot reach ${server}: Node's fetch refuses port ${port} (on the WHATWG list of blocked "bad ports"); serve the API on another port and update the kubeconfig`;
  }
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|fetch failed|timeout/i.test(msg)) {
    const code = msg.match(/E[A-Z]{4,}/)?.[0] ?? 'no answer';
    return `cannot reach ${server} (${code}): check --context, or start zpg demo`;
  }
  return msg;
}

/**
 * An error's message with its causes: undici says only "fetch failed" and
 * keeps the address and the reason ("connect ECONNREFUSED 127.0.0.1:6443")
 * in `cause`.
 */
export function errorText(e: unknown): string {
  if (e instanceof k8s.ApiException) return `HTTP ${e.code}${statusMessage(e.body) ? `: ${statusMessage(e.body)}` : ''}`;
  const parts: string[] = [];
  for (let c: unknown = e, depth = 0; c !== undefined && c !== null && depth < 4; depth++) {
    const msg = c instanceof Error ? c.message : String(c);
    if (msg && !parts.includes(msg)) parts.push(msg);
    c = c instanceof Error ? c.cause : undefined;
  }
  return parts.join(': ') || 'unknown error';
}

/** The `message` of a Kubernetes Status body, or "" */
export function statusMessage(body: unknown): string {
  if (body && typeof body === 'object') return String((body as { message?: unknown }).message ?? '');
  try {
    return (JSON.parse(String(body)) as { message?: string }).message ?? '';
  } catch {
    return '';
  }
}

function portOf(server: string): string {
  try {
    const u = new URL(server);
    return u.port || (u.protocol === 'http:' ? '80' : '443');
  } catch {
    return '?';
  }
}
