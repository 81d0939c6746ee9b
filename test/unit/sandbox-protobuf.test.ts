// The sandbox's decoder of kubectl's protobuf bodies on bad input: a clear
// 400 or 415, never a crash (the kubectl conformance test covers good input).
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/sandbox/api/errors.ts';
import { decodeProtobufObject } from '../../src/sandbox/api/protobuf.ts';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
const bytesField = (n: number, b: Buffer) => Buffer.concat([Buffer.from([(n << 3) | 2, b.length]), b]);
const envelope = (apiVersion: string, kind: string, raw: Buffer) =>
  Buffer.concat([MAGIC, bytesField(1, Buffer.concat([bytesField(1, Buffer.from(apiVersion)), bytesField(2, Buffer.from(kind))])), bytesField(2, raw)]);

const failure = (body: Buffer) => {
  try {
    decodeProtobufObject(body);
  } catch (e) {
    if (e instanceof ApiError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('decoded');
};

describe('protobuf bodies', () => {
  it('decodes a Namespace with its name and labels', () => {
    const label = bytesField(11, Buffer.concat([bytesField(1, Buffer.from('team')), bytesField(2, Buffer.from('acid'))]));
    const meta = bytesField(1, Buffer.concat([bytesField(1, Buffer.from('staging')), label]));
    expect(decodeProtobufObject(envelope('v1', 'Namespace', meta))).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'staging', labels: { team: 'acid' } } });
  });

  it('refuses a body without the envelope, a truncated one, and a kind it does not decode', () => {
    expect(failure(Buffer.from('{"kind":"Namespace"}'))).toEqual({ code: 400, message: expect.stringContaining('"k8s\\0" envelope') });
    expect(failure(Buffer.concat([MAGIC, Buffer.from([0x0a, 0x7f, 0x01])]))).toEqual({ code: 400, message: expect.stringContaining('runs past the end') });
    expect(failure(envelope('apps/v1', 'Deployment', Buffer.alloc(0)))).toEqual({ code: 415, message: expect.stringContaining('not apps/v1 Deployment') });
  });
});
