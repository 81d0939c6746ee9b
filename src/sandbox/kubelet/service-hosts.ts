// Service names for the processes of pods (Patroni, the PostgreSQL it starts,
// `kubectl exec` commands). Loopback has no DNS, and glibc's HOSTALIASES does
// not help: it only renames a single-label name before asking the DNS server,
// so an address as the alias's target goes out as a DNS query and fails.
// nss_wrapper (Debian's libnss-wrapper, preloaded) answers getaddrinfo and
// gethostbyname from a hosts(5) file named by NSS_WRAPPER_HOSTS, falling back
// to the system for other names. The kubelet keeps one file per namespace:
// every Service with a ready endpoint, at the address of one (the master
// Service's is the leader's), under the Service's name in that namespace and
// its qualified names (NAME.NS, NAME.NS.svc, NAME.NS.svc.cluster.local) in any.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from '../api/registry.ts';
import { storageKey } from '../api/resources.ts';
import type { KubeObject, ResourceType } from '../api/types.ts';

const LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib'];

/** libnss_wrapper.so, or undefined when libnss-wrapper is not installed (names then do not resolve in pods). */
export const NSS_WRAPPER = LIB_DIRS.map((d) => join(d, 'libnss_wrapper.so')).find((p) => existsSync(p));

type Obj = Record<string, unknown>;
const rec = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

export class ServiceHosts {
  private readonly registry: Registry;
  private readonly dir: string;
  private readonly services: ResourceType;
  private readonly endpoints: ResourceType;
  /** namespace → the content its file has now */
  private readonly written = new Map<string, string>();
  private readonly unsubscribe: (() => void)[];
  private queued = false;
  private stopped = false;

  constructor(registry: Registry, dir: string) {
    this.registry = registry;
    this.dir = dir;
    this.services = registry.catalog.get('v1', 'services')!;
    this.endpoints = registry.catalog.get('v1', 'endpoints')!;
    // Coalesced: Patroni renews the leader's Endpoints every loop, and a burst of changes needs one rewrite.
    const refresh = () => {
      if (this.queued) return;
      this.queued = true;
      setImmediate(() => {
        this.queued = false;
        if (!this.stopped) for (const ns of this.written.keys()) this.write(ns);
      });
    };
    this.unsubscribe = [this.services, this.endpoints].map((rt) => registry.store.subscribe(storageKey(rt), refresh));
    if (!NSS_WRAPPER) process.stderr.write('sandbox kubelet: libnss_wrapper.so not found, so Service names do not resolve in pods (apt-get install libnss-wrapper)\n');
  }

  /** The environment that makes a pod's processes resolve Service names; written before the first process starts. */
  env(namespace: string): Record<string, string> {
    if (!NSS_WRAPPER) return {};
    // nss_wrapper complains on every lookup when its file is missing: it must exist from the start.
    if (!this.written.has(namespace)) this.write(namespace);
    return { LD_PRELOAD: NSS_WRAPPER, NSS_WRAPPER_HOSTS: this.file(namespace) };
  }

  stop(): void {
    this.stopped = true;
    for (const u of this.unsubscribe) u();
  }

  private file(namespace: string): string {
    return join(this.dir, `${namespace}.hosts`);
  }

  private write(namespace: string): void {
    const text = this.render(namespace);
    if (this.written.get(namespace) === text) return;
    mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    // A rename, never a rewrite in place: a lookup reads the old file or the new one, never half of one,
    // and nss_wrapper rereads a file once the one it holds open has been replaced: the members' processes,
    // started once, follow Service changes only so. Exec'd commands get files never replaced (exec-env.ts).
    const tmp = `${this.file(namespace)}.tmp`;
    writeFileSync(tmp, text, { mode: 0o644 }); // members run as postgres when the kubelet runs as root
    renameSync(tmp, this.file(namespace));
    this.written.set(namespace, text);
  }

  private render(namespace: string): string {
    // No comment line: nss_wrapper rejects the whole file over one.
    const lines: string[] = [];
    for (const svc of this.registry.store.list(storageKey(this.services))) {
      const ns = svc.metadata.namespace!;
      const name = svc.metadata.name!;
      const ip = readyAddress(this.registry.find(this.endpoints, ns, name));
      if (!ip) continue;
      const names = [`${name}.${ns}`, `${name}.${ns}.svc`, `${name}.${ns}.svc.cluster.local`];
      lines.push([ip, ...(ns === namespace ? [name] : []), ...names].join(' '));
    }
    return lines.map((l) => `${l}\n`).join('');
  }
}

/** The first ready address of an Endpoints object (for the master Service: the leader's, set by Patroni or from its label). */
function readyAddress(ep: KubeObject | undefined): string | undefined {
  for (const s of (rec(ep).subsets as Obj[] | undefined) ?? []) {
    for (const a of (s.addresses as Obj[] | undefined) ?? []) if (typeof a.ip === 'string' && a.ip) return a.ip;
  }
  return undefined;
}
