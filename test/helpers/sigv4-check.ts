// A proxy in front of the sandbox's S3 that checks every request's SigV4
// signature the way S3 does, which s3rver does not: from the request as it
// arrived (raw path, query decoded, the signed headers' values), signed again
// with the secret, compared; a mismatch gets S3's 403 SignatureDoesNotMatch,
// the rest goes on to s3rver. The re-signing is the SDK's SigV4 signer, so
// what this checks is that what went on the wire is what was signed.
import http from 'node:http';
import { createS3Client } from '../../src/services/s3/client.ts';

export interface SigV4Check {
  endpoint: string;
  /** requests refused / passed on */
  refused: number;
  passed: number;
  /** refuse these too, as a store or proxy that turns some clients away would (403 AccessDenied) */
  refuseIf?: (req: http.IncomingMessage) => boolean;
  /** answer these with a 200 and half a body, then nothing more, as a store that stalls */
  stallIf?: (req: http.IncomingMessage) => boolean;
  /** sees each request that passes on, and its answer */
  observe?: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  stop(): Promise<void>;
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/;

function decodeQuery(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of raw.split('&').filter(Boolean)) {
    const eq = part.indexOf('=');
    out[decodeURIComponent(eq === -1 ? part : part.slice(0, eq))] = eq === -1 ? '' : decodeURIComponent(part.slice(eq + 1));
  }
  return out;
}

/** "20261207T061500Z" */
const amzDate = (s: string) => new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`);

export async function startSigV4Check(target: string, secret: string): Promise<SigV4Check> {
  const to = new URL(target);
  const check: SigV4Check = { endpoint: '', refused: 0, passed: 0, stop: async () => undefined };
  const signers = new Map<string, Promise<{ sign(r: unknown, o: unknown): Promise<{ headers: Record<string, string> }> }>>();
  const signerFor = (accessKeyId: string, region: string, service: string) => {
    const id = `${accessKeyId}/${region}/${service}`;
    if (!signers.has(id)) signers.set(id, createS3Client({ region, accessKeyId, secretAccessKey: secret }).config.signer({ name: 'sigv4', signingName: service, signingRegion: region, properties: {} }) as never);
    return signers.get(id)!;
  };
  const valid = async (req: http.IncomingMessage): Promise<boolean> => {
    const m = AUTH.exec(req.headers.authorization ?? '');
    if (!m) return false;
    const [, accessKeyId, , region, service, signedHeaders, signature] = m;
    const [path, query = ''] = (req.url ?? '/').split('?', 2) as [string, string?];
    const headers: Record<string, string> = {};
    for (const name of signedHeaders!.split(';')) headers[name] = String(req.headers[name] ?? '');
    const signer = await signerFor(accessKeyId!, region!, service!);
    const again = await signer.sign(
      { method: req.method, protocol: 'http:', hostname: to.hostname, port: Number(to.port), path, query: decodeQuery(query), headers },
      { signingDate: amzDate(headers['x-amz-date'] ?? ''), signingRegion: region, signingService: service },
    );
    return again.headers.authorization?.endsWith(`Signature=${signature}`) === true && again.headers.authorization.includes(`SignedHeaders=${signedHeaders},`);
  };
  const server = http.createServer((req, res) => {
    void valid(req).then((ok) => {
      const code = !ok ? 'SignatureDoesNotMatch' : check.refuseIf?.(req) ? 'AccessDenied' : undefined;
      if (code) {
        check.refused++;
        req.resume();
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>refused by the test's check</Message></Error>`);
        return;
      }
      if (check.stallIf?.(req)) {
        req.resume();
        res.writeHead(200, { 'content-type': 'application/xml', 'content-length': '1000' });
        res.write('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult>');
        return;
      }
      check.passed++;
      check.observe?.(req, res);
      const out = http.request({ hostname: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.once('error', () => res.destroy());
      req.pipe(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  check.endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  check.stop = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return check;
}
