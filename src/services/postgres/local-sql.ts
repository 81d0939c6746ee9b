// SQL through a member's local socket, as `psql` run in its pod: Spilo's
// pg_hba trusts the socket and asks every TCP client for a password. The
// operator needs this only when the superuser's password in its Secret is one
// PostgreSQL does not know (the Secret was deleted by hand and made anew): it
// cannot log in over TCP to set it. The SQL goes on stdin, never on a command
// line, and no output of psql that could echo it is kept.
import * as k8s from '@kubernetes/client-node';
import { Readable, Writable } from 'node:stream';
import { execInPod } from '../kube/exec.ts';
import type { MemberTarget } from './connect.ts';

export type LocalSql = (m: MemberTarget, superuser: string, sql: string) => Promise<void>;

export function localSql(kc: k8s.KubeConfig, timeoutMs = 30_000): LocalSql {
  return async (m, superuser, sql) => {
    let stderr = '';
    const sink = new Writable({ write: (_chunk, _enc, done) => done() });
    const errors = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        stderr += chunk.toString('utf8');
        done();
      },
    });
    const run = execInPod(kc, {
      namespace: m.namespace,
      pod: m.pod,
      command: ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-U', superuser, '-d', 'postgres', '-f', '-'],
      stdin: Readable.from([sql]),
      stdout: sink,
      stderr: errors,
      connectTimeoutMs: Math.min(timeoutMs, 15_000),
    });
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([run, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`psql in ${m.namespace}/${m.pod}: no answer within ${timeoutMs} ms`)), timeoutMs)))]).finally(() =>
      clearTimeout(timer),
    );
    if (code !== 0) {
      // psql may quote the statement (LINE 1: ...): only the error line, cut before anything it quotes
      const line = stderr.split('\n').find((l) => /ERROR|FATAL|psql:/.test(l)) ?? `exit code ${code}`;
      throw new Error(`psql in ${m.namespace}/${m.pod} through the local socket: ${line.replace(/PASSWORD.*$/i, 'PASSWORD …').trim()}`);
    }
  };
}
