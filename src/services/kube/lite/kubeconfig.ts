// The kubeconfig as kubectl reads it ($KUBECONFIG files merged, first wins;
// then ~/.kube/config; then in-cluster), without client-node: the one-shot
// commands (`zpg list`, `zpg status`, `zpg history`) must start as fast as
// kubectl, and loading client-node costs two seconds of module loading.
// Credentials client-node knows and this does not (auth-provider plugins,
// proxies) raise LiteUnsupported: the caller then takes client-node's path.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { KubeTarget } from '../config.ts';
import { parseKubeconfigYaml } from './kubeconfig-yaml.ts';

/** a kubeconfig that cannot be used as it is: the message says what to fix */
export class KubeConfigError extends Error {}

/** credentials or transports only client-node handles */
export class LiteUnsupported extends Error {}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export interface LiteCredentials {
  token?: string;
  basic?: string;
  cert?: Buffer;
  key?: Buffer;
}

export interface LiteKube {
  context: string;
  namespace: string;
  server: string;
  ca?: Buffer;
  insecure: boolean;
  /** tls-server-name: the name the server's certificate must carry */
  serverName?: string;
  /** resolved once per process: exec plugins are slow */
  credentials(): LiteCredentials;
}

const IN_CLUSTER = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The yaml library only for kubeconfigs beyond what kubeconfig-yaml reads: loading it costs a one-shot command ~15 ms. */
const yaml = () => createRequire(import.meta.url)('yaml') as typeof import('yaml');

function readKubeconfigs(files: string[]): { docs: Obj[]; dirs: string[] } {
  const docs: Obj[] = [];
  const dirs: string[] = [];
  for (const f of files) {
    try {
      const text = readFileSync(f, 'utf8');
      docs.push(obj(parseKubeconfigYaml(text) ?? yaml().parse(text)));
      dirs.push(join(f, '..'));
    } catch (e) {
      throw new KubeConfigError(`cannot read the kubeconfig ${f}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { docs, dirs };
}

/** A named entry across the files: the first file that defines it wins, as in kubectl; relative paths are relative to that file. */
function named(docs: Obj[], dirs: string[], list: string, key: string, name: string): { value: Obj; dir: string } | undefined {
  for (const [i, d] of docs.entries()) {
    const hit = (Array.isArray(d[list]) ? (d[list] as unknown[]) : []).map(obj).find((e) => e.name === name);
    if (hit) return { value: obj(hit[key]), dir: dirs[i] };
  }
  return undefined;
}

function fileOrData(entry: Obj, dir: string, fileKey: string, dataKey: string): Buffer | undefined {
  const data = str(entry[dataKey]);
  if (data) return Buffer.from(data, 'base64');
  const file = str(entry[fileKey]);
  if (!file) return undefined;
  const path = file.startsWith('/') ? file : join(dir, file);
  try {
    return readFileSync(path);
  } catch {
    throw new KubeConfigError(`the kubeconfig's ${fileKey} ${path} cannot be read`);
  }
}

/** An exec credential plugin, run as kubectl runs it (client.authentication.k8s.io ExecCredential on stdout). */
function execCredentials(exec: Obj, server: string): LiteCredentials {
  const command = str(exec.command);
  if (!command) throw new KubeConfigError("the kubeconfig user's exec names no command");
  const env = { ...process.env };
  for (const e of Array.isArray(exec.env) ? exec.env.map(obj) : []) if (str(e.name)) env[String(e.name)] = String(e.value ?? '');
  const apiVersion = str(exec.apiVersion) ?? 'client.authentication.k8s.io/v1';
  env.KUBERNETES_EXEC_INFO = JSON.stringify({ apiVersion, kind: 'ExecCredential', spec: { interactive: false, ...(exec.provideClusterInfo ? { cluster: { server } } : {}) } });
  let out: string;
  try {
    out = execFileSync(command, Array.isArray(exec.args) ? exec.args.map(String) : [], { env, encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'inherit'] });
  } catch (e) {
    throw new KubeConfigError(`the kubeconfig's credential plugin ${command} failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  const status = obj(obj(JSON.parse(out)).status);
  const cert = str(status.clientCertificateData);
  const key = str(status.clientKeyData);
  return { token: str(status.token), ...(cert && key ? { cert: Buffer.from(cert), key: Buffer.from(key) } : {}) };
}

function userCredentials(user: Obj, dir: string, server: string): () => LiteCredentials {
  if (user['auth-provider']) {
    const cfg = obj(obj(user['auth-provider']).config);
    const token = str(cfg['id-token']) ?? str(cfg['access-token']);
    if (!token) throw new LiteUnsupported('auth-provider');
    return () => ({ token });
  }
  if (user.exec) {
    let cached: LiteCredentials | undefined;
    return () => (cached ??= execCredentials(obj(user.exec), server));
  }
  const tokenFile = str(user.tokenFile);
  const token = str(user.token) ?? (tokenFile ? readFileSync(tokenFile.startsWith('/') ? tokenFile : join(dir, tokenFile), 'utf8').trim() : undefined);
  const basic = str(user.username) ? Buffer.from(`${String(user.username)}:${String(user.password ?? '')}`).toString('base64') : undefined;
  const creds = { token, basic, cert: fileOrData(user, dir, 'client-certificate', 'client-certificate-data'), key: fileOrData(user, dir, 'client-key', 'client-key-data') };
  return () => creds;
}

function inCluster(t: KubeTarget, env: NodeJS.ProcessEnv): LiteKube {
  const host = env.KUBERNETES_SERVICE_HOST!;
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`;
  const ns = existsSync(join(IN_CLUSTER, 'namespace')) ? readFileSync(join(IN_CLUSTER, 'namespace'), 'utf8').trim() : 'default';
  return {
    context: 'in-cluster',
    namespace: t.namespace ?? ns,
    server,
    ca: existsSync(join(IN_CLUSTER, 'ca.crt')) ? readFileSync(join(IN_CLUSTER, 'ca.crt')) : undefined,
    insecure: false,
    // the projected token rotates: read it when asked
    credentials: () => ({ token: readFileSync(join(IN_CLUSTER, 'token'), 'utf8').trim() }),
  };
}

export function loadLiteKube(t: KubeTarget, env: NodeJS.ProcessEnv = process.env): LiteKube {
  if (t.kubeconfig && !existsSync(t.kubeconfig)) throw new KubeConfigError(`--kubeconfig ${t.kubeconfig}: no such file`);
  const home = join(homedir(), '.kube', 'config');
  const files = t.kubeconfig ? [t.kubeconfig] : (env.KUBECONFIG?.split(':').filter((f) => f && existsSync(f)) ?? []);
  if (!files.length && existsSync(home)) files.push(home);
  if (!files.length) {
    if (env.KUBERNETES_SERVICE_HOST) return inCluster(t, env);
    throw new KubeConfigError('no kubeconfig found: pass --kubeconfig FILE, set KUBECONFIG, or create ~/.kube/config (zpg demo writes one for its sandbox)');
  }
  const { docs, dirs } = readKubeconfigs(files);
  const current = docs.map((d) => str(d['current-context'])).find(Boolean);
  const contextName = t.context ?? current;
  if (!contextName) throw new KubeConfigError('the kubeconfig has no current-context: pass --context NAME');
  const ctx = named(docs, dirs, 'contexts', 'context', contextName);
  if (!ctx) {
    const known = docs.flatMap((d) => (Array.isArray(d.contexts) ? d.contexts.map((c) => String(obj(c).name)) : [])).join(', ') || 'none';
    throw new KubeConfigError(t.context ? `--context ${t.context}: no such context in the kubeconfig (contexts: ${known})` : `the kubeconfig's current context "${contextName}" does not exist (contexts: ${known})`);
  }
  const cluster = named(docs, dirs, 'clusters', 'cluster', String(ctx.value.cluster ?? ''));
  const server = str(cluster?.value.server);
  if (!cluster || !server) throw new KubeConfigError(`the kubeconfig's current context "${contextName}" names no cluster server`);
  if (cluster.value['proxy-url'] || (server.startsWith('https:') ? env.HTTPS_PROXY ?? env.https_proxy : env.HTTP_PROXY ?? env.http_proxy)) throw new LiteUnsupported('proxy');
  const user = named(docs, dirs, 'users', 'user', String(ctx.value.user ?? ''));
  return {
    context: contextName,
    namespace: t.namespace ?? str(ctx.value.namespace) ?? 'default',
    server: server.replace(/\/+$/, ''),
    ca: fileOrData(cluster.value, cluster.dir, 'certificate-authority', 'certificate-authority-data'),
    insecure: cluster.value['insecure-skip-tls-verify'] === true,
    serverName: str(cluster.value['tls-server-name']),
    credentials: userCredentials(user?.value ?? {}, user?.dir ?? dirs[0], server),
  };
}
