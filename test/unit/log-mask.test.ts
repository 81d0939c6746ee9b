import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/services/log.js';

function logLine(fields: Record<string, unknown>, msg = 'x'): { text: string; entry: Record<string, unknown> } {
  const lines: string[] = [];
  createLogger({ write: (l) => lines.push(l) }).info(msg, fields);
  return { text: lines[0], entry: JSON.parse(lines[0]) as Record<string, unknown> };
}

describe('log masking', () => {
  it('masks secret-smelling keys at any depth, in objects and arrays', () => {
    const { text, entry } = logLine({
      cluster: 'acid-x',
      request: { body: { data: { password: 's3cr3t-one' } }, headers: { Authorization: 'Bearer abcdefghijkl' } },
      users: [{ name: 'zalando', passwd: 's3cr3t-two' }],
      s3: { AWS_SECRET_ACCESS_KEY: 's3cr3t-three', accessKeyId: 'plain' },
    });
    for (const s of ['s3cr3t-one', 's3cr3t-two', 's3cr3t-three', 'abcdefghijkl']) expect(text).not.toContain(s);
    expect(entry.cluster).toBe('acid-x');
    expect((entry.users as Array<Record<string, unknown>>)[0].name).toBe('zalando');
  });

  it('scrubs values that look like secrets under innocent keys and in the message', () => {
    const { text } = logLine(
      {
        dsn: 'postgresql://standby:hunter2pass@acid-x:5432/postgres',
        conninfo: 'host=10.0.0.1 user=standby password=hunter3pass sslmode=require',
        detail: { cause: new Error('auth failed with token=tok-hunter4 for AKIAABCDEFGHIJKLMNOP') },
        jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVl',
        pem: '-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END RSA PRIVATE KEY-----',
      },
      'connecting with password=hunter5pass',
    );
    for (const s of ['hunter2pass', 'hunter3pass', 'tok-hunter4', 'AKIAABCDEFGHIJKLMNOP', 'hunter5pass', 'MIIBOgIBAAJBAK', 'c2lnbmF0dXJlLXZhbHVl']) {
      expect(text).not.toContain(s);
    }
    // what is not secret stays readable
    expect(text).toContain('standby');
    expect(text).toContain('acid-x:5432');
    expect(text).toContain('auth failed');
  });

  it('survives cycles', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(logLine({ a }).entry.a).toEqual({ name: 'a', self: '[circular]' });
  });
});
