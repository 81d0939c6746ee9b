// A typed client for one member's REST API. How requests reach the member is a
// transport: straight to the pod IP in a cluster, or through the Kubernetes
// API's port-forward from outside. Every call has a deadline.
import { parseCluster, parseHistory, parseMemberStatus } from './parse.ts';
import type { ClusterView, HistoryEntry, MemberStatus } from './types.ts';

/** Patroni's REST API port in Spilo pods. */
export const PATRONI_PORT = 8008;

export interface PatroniRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  timeoutMs: number;
}

export interface PatroniResponse {
  status: number;
  text: string;
}

export type PatroniTransport = (req: PatroniRequest) => Promise<PatroniResponse>;

export class PatroniError extends Error {
  readonly status?: number;
  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

/** Plain HTTP to `baseUrl` (e.g. http://10.2.3.4:8008), for in-cluster use and the sandbox. */
export function httpTransport(baseUrl: string): PatroniTransport {
  return async (req) => {
    const res = await fetch(new URL(req.path, baseUrl), {
      method: req.method,
      body: req.body === undefined ? (req.method === 'POST' ? '{}' : undefined) : JSON.stringify(req.body),
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    return { status: res.status, text: await res.text() };
  };
}

export class PatroniClient {
  private readonly transport: PatroniTransport;
  private readonly timeoutMs: number;

  constructor(transport: PatroniTransport, timeoutMs = 5_000) {
    this.transport = transport;
    this.timeoutMs = timeoutMs;
  }

  private async call(method: PatroniRequest['method'], path: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<PatroniResponse> {
    try {
      return await this.transport({ method, path, body, timeoutMs });
    } catch (e) {
      const why = e instanceof Error && e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : e instanceof Error ? e.message : String(e);
      throw new PatroniError(`Patroni REST API ${method} ${path}: ${why}`);
    }
  }

  private async getJson(path: string): Promise<unknown> {
    const res = await this.call('GET', path);
    // /patroni answers 503 with a full body when PostgreSQL is down: the body is still the status.
    try {
      return JSON.parse(res.text);
    } catch {
      throw new PatroniError(`Patroni REST API GET ${path}: HTTP ${res.status}, not JSON: ${res.text.slice(0, 120)}`, res.status);
    }
  }

  async cluster(): Promise<ClusterView> {
    return parseCluster(await this.getJson('/cluster'));
  }

  async member(): Promise<MemberStatus> {
    return parseMemberStatus(await this.getJson('/patroni'));
  }

  async history(): Promise<HistoryEntry[]> {
    return parseHistory(await this.getJson('/history'));
  }

  /** The dynamic configuration as stored in the DCS (GET /config). */
  async config(): Promise<Record<string, unknown>> {
    const body = await this.getJson('/config');
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new PatroniError('Patroni REST API GET /config: not a JSON object');
    return body as Record<string, unknown>;
  }

  /** Merge-patch the dynamic configuration (PATCH /config: null removes a key); answers the new configuration. */
  async patchConfig(patch: Record<string, unknown>): Promise<Record<string, unknown>> {
    const res = await this.call('PATCH', '/config', patch);
    if (res.status < 200 || res.status > 299) throw new PatroniError(`PATCH /config: ${res.text.trim() || `HTTP ${res.status}`}`, res.status);
    try {
      return JSON.parse(res.text) as Record<string, unknown>;
    } catch {
      return {};
    }
  }

  /** Maintenance mode on or off (Patroni's pause is a key in the dynamic configuration). */
  async setPaused(paused: boolean): Promise<void> {
    await this.patchConfig({ pause: paused });
  }

  /** Actions answer with a sentence (text/html); a non-2xx status is an error carrying it. */
  private async action(method: PatroniRequest['method'], path: string, body: unknown, timeoutMs: number): Promise<string> {
    const res = await this.call(method, path, body, timeoutMs);
    if (res.status < 200 || res.status > 299) throw new PatroniError(`${path}: ${res.text.trim() || `HTTP ${res.status}`}`, res.status);
    return res.text.trim();
  }

  switchover(leader: string, candidate?: string, scheduledAt?: string): Promise<string> {
    return this.action('POST', '/switchover', { leader, ...(candidate ? { candidate } : {}), ...(scheduledAt ? { scheduled_at: scheduledAt } : {}) }, 60_000);
  }

  failover(candidate: string): Promise<string> {
    return this.action('POST', '/failover', { candidate }, 60_000);
  }

  restart(opts: { role?: 'primary' | 'replica'; restartPending?: boolean; timeout?: number } = {}): Promise<string> {
    const body = { ...(opts.role ? { role: opts.role } : {}), ...(opts.restartPending ? { restart_pending: true } : {}), ...(opts.timeout ? { timeout: opts.timeout } : {}) };
    return this.action('POST', '/restart', body, 120_000);
  }

  reinitialize(force = false): Promise<string> {
    return this.action('POST', '/reinitialize', force ? { force: true } : {}, 30_000);
  }
}
