// kubectl's typed generators (`kubectl create namespace|configmap|secret|
// serviceaccount`) send their object as protobuf, and a 415 is not retried
// as JSON: the real server decodes it. The sandbox decodes those four kinds
// into the JSON object the rest of the server handles. The wire format is the
// apimachinery envelope: the magic "k8s\0", then a runtime.Unknown {typeMeta
// {apiVersion 1, kind 2} 1, raw 2} whose raw is the object's own message
// (field numbers from k8s.io/api core/v1 and apimachinery meta/v1). Fields
// these generators never set (status, ownerReferences, managedFields, ...)
// are skipped. Other kinds are refused with the way around.
import { ApiError } from './errors.ts';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** One field of a protobuf message: its number and its value (a varint, or the bytes of a length-delimited field). */
type Field = { n: number; varint?: bigint; bytes?: Buffer };

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (i >= buf.length) throw malformed('a varint runs past the end');
      const b = buf[i++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const n = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) out.push({ n, varint: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      if (i + len > buf.length) throw malformed(`field ${n} runs past the end`);
      out.push({ n, bytes: buf.subarray(i, i + len) });
      i += len;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw malformed(`field ${n} has wire type ${wire}`);
  }
  return out;
}

const malformed = (why: string) => new ApiError(400, 'BadRequest', `the protobuf request body could not be decoded: ${why}`);

const str = (f: Field) => (f.bytes ?? Buffer.alloc(0)).toString('utf8');
const all = (fs: Field[], n: number) => fs.filter((f) => f.n === n && f.bytes);
const one = (fs: Field[], n: number) => fs.filter((f) => f.n === n).at(-1);

/** A map<string, V> field: repeated entries {key 1, value 2}. */
function map<V>(fs: Field[], n: number, value: (f: Field | undefined) => V): Record<string, V> | undefined {
  const entries = all(fs, n);
  if (!entries.length) return undefined;
  const out: Record<string, V> = {};
  for (const e of entries) {
    const kv = fields(e.bytes!);
    const k = one(kv, 1);
    out[k ? str(k) : ''] = value(one(kv, 2));
  }
  return out;
}

const text = (f: Field | undefined) => (f ? str(f) : '');
const base64 = (f: Field | undefined) => (f?.bytes ?? Buffer.alloc(0)).toString('base64');

function objectMeta(buf: Buffer): Record<string, unknown> {
  const fs = fields(buf);
  const meta: Record<string, unknown> = {};
  for (const [n, key] of [[1, 'name'], [2, 'generateName'], [3, 'namespace']] as const) {
    const f = one(fs, n);
    if (f) meta[key] = str(f);
  }
  const labels = map(fs, 11, text);
  const annotations = map(fs, 12, text);
  if (labels) meta.labels = labels;
  if (annotations) meta.annotations = annotations;
  const finalizers = all(fs, 14).map(str);
  if (finalizers.length) meta.finalizers = finalizers;
  return meta;
}

const bool = (f: Field | undefined) => (f?.varint !== undefined ? f.varint !== 0n : undefined);

/** the fields that were set */
const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** kind → its JSON from its message's fields (metadata is field 1 in each) */
const KINDS: Record<string, (fs: Field[]) => Record<string, unknown>> = {
  Namespace: (fs) => {
    const spec = one(fs, 2)?.bytes;
    const finalizers = spec ? all(fields(spec), 1).map(str) : [];
    return finalizers.length ? { spec: { finalizers } } : {};
  },
  ConfigMap: (fs) => defined({ data: map(fs, 2, text), binaryData: map(fs, 3, base64), immutable: bool(one(fs, 4)) }),
  Secret: (fs) => defined({ data: map(fs, 2, base64), type: text(one(fs, 3)) || undefined, stringData: map(fs, 4, text), immutable: bool(one(fs, 5)) }),
  ServiceAccount: (fs) => defined({ automountServiceAccountToken: bool(one(fs, 4)) }),
};

/** The JSON object a kubectl protobuf body stands for; 415 for a kind the sandbox does not decode. */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) throw malformed('it does not start with the "k8s\\0" envelope');
  const unknown = fields(body.subarray(MAGIC.length));
  const typeMeta = fields(one(unknown, 1)?.bytes ?? Buffer.alloc(0));
  const apiVersion = text(one(typeMeta, 1));
  const kind = text(one(typeMeta, 2));
  const decode = apiVersion === 'v1' ? KINDS[kind] : undefined;
  if (!decode) {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the sandbox decodes protobuf bodies of v1 ${Object.keys(KINDS).join(', ')} only, not ${apiVersion || '?'} ${kind || '?'}: send it as JSON or YAML (kubectl create -f, kubectl apply -f)`,
    );
  }
  const raw = fields(one(unknown, 2)?.bytes ?? Buffer.alloc(0));
  const meta = one(raw, 1)?.bytes;
  return { apiVersion, kind, metadata: meta ? objectMeta(meta) : {}, ...decode(raw) };
}
