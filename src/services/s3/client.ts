// The one S3 client factory: AWS, any S3-compatible store, and the sandbox's
// s3rver. Checksums only when required (s3rver stores aws-chunked framing
// verbatim otherwise; AWS accepts either), path style for custom endpoints,
// credentials from the standard AWS chain unless given, and deadlines on
// every request so nothing hangs.
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import http from 'node:http';
import https from 'node:https';
import { enableLeanReads } from './lean-reads.ts';
import { Sha256 } from './signing-hash.ts';

export interface S3Options {
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** per request; connections get a fifth of it, at least one second */
  timeoutMs?: number;
}

export function createS3Client(o: S3Options = {}, env: NodeJS.ProcessEnv = process.env): S3Client {
  const timeoutMs = o.timeoutMs ?? 30_000;
  const region = o.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  // the SDK's own defaults, made here so the lean reads (lean-reads.ts) share its connections
  const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 50 }), https: new https.Agent({ keepAlive: true, maxSockets: 50 }) };
  const client = new S3Client({
    region,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    forcePathStyle: o.forcePathStyle ?? o.endpoint !== undefined,
    ...(o.accessKeyId && o.secretAccessKey
      ? { credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey, ...(o.sessionToken ? { sessionToken: o.sessionToken } : {}) } }
      : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { requestTimeout: timeoutMs, connectionTimeout: Math.max(1000, Math.round(timeoutMs / 5)), httpAgent: agents.http, httpsAgent: agents.https },
    maxAttempts: 3,
    // one resolved middleware stack per command class, not one per request: a catalog sends thousands of the
    // same few commands, and zpg adds no per-command middleware
    cacheMiddleware: true,
    sha256: Sha256,
    // The SDK filters every response through the command's schema for logger.info, even for its no-op logger;
    // zpg logs S3 calls itself, so the SDK's logger has no info and its warnings and errors go nowhere, as before.
    logger: quietLogger as unknown as S3ClientConfig['logger'],
  });
  enableLeanReads(client, { timeoutMs, agents });
  return client;
}

const quietLogger = { debug: () => undefined, warn: () => undefined, error: () => undefined, trace: () => undefined };

const truthy = (v: string | undefined) => v !== undefined && ['true', '1', 'yes', 'on'].includes(v.toLowerCase());

/**
 * S3 settings from the environment names Spilo and the Zalando operator use
 * (AWS_ENDPOINT, AWS_REGION, AWS_S3_FORCE_PATH_STYLE, AWS_ACCESS_KEY_ID, ...).
 * Credentials left unset here come from the AWS chain (IRSA, instance role).
 */
export function s3ConfigFromEnv(env: NodeJS.ProcessEnv): S3Options & { bucket?: string } {
  const endpoint = env.AWS_ENDPOINT ?? env.WALG_S3_ENDPOINT ?? env.WALE_S3_ENDPOINT?.replace(/^https?\+path:\/\//, 'https://');
  return {
    ...(endpoint ? { endpoint } : {}),
    ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
    ...(env.AWS_S3_FORCE_PATH_STYLE !== undefined ? { forcePathStyle: truthy(env.AWS_S3_FORCE_PATH_STYLE) } : {}),
    ...(env.AWS_ACCESS_KEY_ID ? { accessKeyId: env.AWS_ACCESS_KEY_ID } : {}),
    ...(env.AWS_SECRET_ACCESS_KEY ? { secretAccessKey: env.AWS_SECRET_ACCESS_KEY } : {}),
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    ...(env.WAL_S3_BUCKET ?? env.LOGICAL_BACKUP_S3_BUCKET ? { bucket: env.WAL_S3_BUCKET ?? env.LOGICAL_BACKUP_S3_BUCKET } : {}),
  };
}
