// Starts the in-memory API server on loopback. Everything it serves lives in
// this process: a Registry (semantics) behind an ApiHttp (protocol).
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { startControllers, type Controllers } from '../controllers/index.ts';
import { ApiHttp } from './http.ts';
import { Registry } from './registry.ts';
import { ResourceCatalog } from './resources.ts';
import { ObjectStore } from './store.ts';
import { serveUpgrades } from './upgrade.ts';

export interface ApiServerOptions {
  host?: string;
  /** 0 picks a free port */
  port?: number;
  /** watch events kept for resuming watches; older resourceVersions get 410 Expired */
  historyLimit?: number;
  /** a watch without timeoutSeconds is closed after [min, 2*min) seconds, as the real server does with its own numbers */
  minWatchTimeoutSeconds?: number;
  bookmarkIntervalSeconds?: number;
  /** the workload controllers (on by default; off for a bare API server) */
  controllers?: boolean;
  /** the server's clock: timestamps and CronJob schedules (tests inject one) */
  clock?: () => Date;
}

export interface ApiServer {
  url: string;
  port: number;
  host: string;
  registry: Registry;
  http: ApiHttp;
  controllers?: Controllers;
  server: Server;
  close(): Promise<void>;
}

export async function startApiServer(opts: ApiServerOptions = {}): Promise<ApiServer> {
  const host = opts.host ?? '127.0.0.1';
  const registry = new Registry(new ResourceCatalog(), new ObjectStore(opts.historyLimit), opts.clock);
  const minWatch = opts.minWatchTimeoutSeconds ?? 60;
  const http = new ApiHttp(registry, {
    watchTimeoutMs: () => Math.round((minWatch + Math.random() * minWatch) * 1000),
    bookmarkIntervalMs: (opts.bookmarkIntervalSeconds ?? 60) * 1000,
    maxBodyBytes: 3 * 1024 * 1024,
  });
  const controllers = opts.controllers === false ? undefined : startControllers(registry, http.deleter);
  const server = createServer({ keepAliveTimeout: 65_000 }, http.handle);
  serveUpgrades(server, http); // exec and portforward, once a kubelet registers them
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    host,
    registry,
    http,
    controllers,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        controllers?.stop();
        // Watches never end on their own: cut every socket so close() returns promptly.
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
