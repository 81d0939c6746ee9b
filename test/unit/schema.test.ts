// Custom-object pruning, defaulting and validation against Zalando's real CRDs:
// what a user notices is which manifests are accepted, which fields survive a
// write, and the exact 422 causes kubectl prints.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { invalidMessage, pruneAndDefault, validate } from '../../src/sandbox/api/schema.ts';
import type { FieldError, KubeObject, SchemaProps } from '../../src/sandbox/api/types.ts';
import { ZALANDO_FIXTURES, loadFixture } from '../helpers/fixtures.ts';

function crdSchema(file: string): SchemaProps {
  const crd = loadFixture(file).find((o) => o.kind === 'CustomResourceDefinition');
  const spec = crd?.spec as { versions: { name: string; schema: { openAPIV3Schema: SchemaProps } }[] };
  return spec.versions.find((v) => v.name === 'v1')!.schema.openAPIV3Schema;
}

const V2 = crdSchema('postgresql.crd.yaml');
const V1_15 = crdSchema('postgresql.crd.v1.15.1.yaml');

/** What the server does on a write: prune and default, then validate what is left. */
function admit(obj: unknown, schema: SchemaProps): FieldError[] {
  return validate(pruneAndDefault(obj, schema), schema);
}

const postgresqls: [string, KubeObject][] = readdirSync(ZALANDO_FIXTURES)
  .filter((f) => f.endsWith('.yaml') && !f.includes('crd'))
  .flatMap((f) => loadFixture(f).filter((o) => o.kind === 'postgresql').map((o): [string, KubeObject] => [`${f} ${o.metadata.name}`, o]));

const manifest = (file: string, name?: string): KubeObject => {
  const found = loadFixture(file).find((o) => o.kind === 'postgresql' && (!name || o.metadata.name === name));
  if (!found) throw new Error(`no postgresql in ${file}`);
  return structuredClone(found);
};

const pgVersion = (o: KubeObject) => (o.spec as { postgresql: { version: string } }).postgresql.version;

describe('Zalando example manifests', () => {
  it('finds every postgresql example', () => {
    expect(postgresqls.length).toBeGreaterThanOrEqual(12);
  });

  it.each(postgresqls)('%s is accepted by the v2.0.1 CRD', (_name, obj) => {
    expect(admit(obj, V2)).toEqual([]);
  });

  it.each(postgresqls.filter(([, o]) => ['13', '14', '15', '16', '17'].includes(pgVersion(o))))(
    '%s is accepted by the v1.15.1 CRD',
    (_name, obj) => {
      expect(admit(obj, V1_15)).toEqual([]);
    },
  );

  it('v1.15.1 rejects PostgreSQL 18 with the enum it knows', () => {
    expect(admit(manifest('minimal-postgres-manifest.yaml'), V1_15)).toEqual([
      {
        reason: 'FieldValueNotSupported',
        field: 'spec.postgresql.version',
        message: 'Unsupported value: "18": supported values: "13", "14", "15", "16", "17"',
      },
    ]);
  });

  it('v1.15.1 rejects a standby with both host and S3 (its oneOf), v2 accepts it', () => {
    const obj = manifest('standby-variants.yaml', 'acid-standby-host-and-s3');
    (obj.spec as { postgresql: { version: string } }).postgresql.version = '17';
    expect(admit(obj, V1_15)).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: '<nil>',
        message: 'Invalid value: "": "spec.standby" must validate one and only one schema (oneOf). Found 2 valid alternatives',
      },
    ]);
    expect(admit(obj, V2)).toEqual([]);
  });

  it('the OperatorConfiguration and PostgresTeam examples are accepted by their CRDs', () => {
    const config = loadFixture('postgresql-operator-default-configuration.yaml')[0];
    const team = loadFixture('custom-team-membership.yaml')[0];
    expect(admit(config, crdSchema('operatorconfiguration.crd.yaml'))).toEqual([]);
    expect(admit(team, crdSchema('postgresteam.crd.yaml'))).toEqual([]);
  });

  it('a valid complete manifest comes through pruning and defaulting unchanged', () => {
    const obj = manifest('complete-postgres-manifest.yaml');
    expect(pruneAndDefault(obj, V2)).toEqual(obj);
  });
});

describe('pruning', () => {
  const withExtras = () => {
    const obj = manifest('complete-postgres-manifest.yaml');
    const spec = obj.spec as Record<string, unknown> & { additionalVolumes: Record<string, unknown>[]; volume: Record<string, unknown> };
    Object.assign(obj, { junk: 1 });
    obj.metadata.somethingServerSide = 'kept';
    spec.unknownSpecField = true;
    spec.volume.sizeInGB = 10;
    spec.additionalVolumes[0].bogus = 'x';
    spec.additionalVolumes[0].volumeSource = { emptyDir: { medium: 'Memory', sizeLimit: '1Gi' }, futureSource: { a: 1 } };
    return obj;
  };

  it('drops undeclared fields at every level, keeps apiVersion/kind/metadata and preserve-unknown subtrees', () => {
    const out = pruneAndDefault(withExtras(), V2) as KubeObject & { spec: Record<string, unknown> };
    const spec = out.spec as Record<string, unknown> & { additionalVolumes: Record<string, unknown>[]; volume: Record<string, unknown> };
    expect(out).not.toHaveProperty('junk');
    expect(spec).not.toHaveProperty('unknownSpecField');
    expect(spec.volume).toEqual({ size: '1Gi' });
    expect(spec.additionalVolumes[0]).not.toHaveProperty('bogus');
    expect(spec.additionalVolumes[0].volumeSource).toEqual({ emptyDir: { medium: 'Memory', sizeLimit: '1Gi' }, futureSource: { a: 1 } });
    expect(out.apiVersion).toBe('acid.zalan.do/v1');
    expect(out.kind).toBe('postgresql');
    expect(out.metadata).toEqual({ name: 'acid-test-cluster', somethingServerSide: 'kept' });
    // map-valued fields (additionalProperties) keep their keys
    expect(spec.databases).toEqual({ foo: 'zalando' });
  });

  it('keeps metadata even when the schema does not declare it (v1.15.1)', () => {
    const obj = manifest('complete-postgres-manifest.v1.15.1.yaml');
    obj.metadata.labels = { team: 'acid' };
    expect((pruneAndDefault(obj, V1_15) as KubeObject).metadata).toEqual({ name: 'acid-test-cluster', labels: { team: 'acid' } });
  });

  it('never mutates its input', () => {
    const obj = withExtras();
    const before = structuredClone(obj);
    pruneAndDefault(obj, V2);
    expect(obj).toEqual(before);
  });

  it('keeps apiVersion/kind/metadata of embedded resources', () => {
    const schema: SchemaProps = {
      type: 'object',
      properties: { template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } } },
    };
    const obj = { template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: {}, extra: 1 } };
    expect(pruneAndDefault(obj, schema)).toEqual({ template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: {} } });
  });
});

describe('defaulting', () => {
  const OPCONFIG = crdSchema('operatorconfiguration.crd.yaml');
  const config = (configuration: Record<string, unknown>) => ({
    apiVersion: 'acid.zalan.do/v1',
    kind: 'OperatorConfiguration',
    metadata: { name: 'c' },
    configuration,
  });
  type Config = { configuration: Record<string, unknown> & { kubernetes?: Record<string, unknown> } };

  it('fills absent fields, nested ones only where the parent exists, and keeps explicit values', () => {
    const out = pruneAndDefault(config({ docker_image: 'mine:1', kubernetes: {} }), OPCONFIG) as Config;
    expect(out.configuration.docker_image).toBe('mine:1');
    expect(out.configuration.enable_crd_registration).toBe(true);
    expect(out.configuration.kubernetes?.cluster_domain).toBe('cluster.local');
    expect(out.configuration).not.toHaveProperty('debug');
  });

  it('replaces a non-nullable null with the default and drops one that has no default', () => {
    const out = pruneAndDefault(config({ docker_image: null, etcd_host: null, enable_lazy_spilo_upgrade: null }), OPCONFIG) as Config;
    expect(out.configuration.docker_image).toBe('ghcr.io/zalando/spilo-18:4.1-p2');
    expect(out.configuration.etcd_host).toBe('');
    expect(out.configuration).not.toHaveProperty('enable_lazy_spilo_upgrade');
  });

  it('keeps a null where the schema says nullable', () => {
    const obj = manifest('minimal-postgres-manifest.yaml');
    (obj.spec as Record<string, unknown>).allowedSourceRanges = null;
    const out = pruneAndDefault(obj, V2) as { spec: Record<string, unknown> };
    expect(out.spec.allowedSourceRanges).toBeNull();
    expect(validate(out, V2)).toEqual([]);
  });
});

describe('validation errors as the API server words them', () => {
  const edit = (change: (spec: Record<string, unknown>) => void, file = 'complete-postgres-manifest.yaml') => {
    const obj = manifest(file);
    change(obj.spec as Record<string, unknown>);
    return obj;
  };

  it('a missing required field', () => {
    expect(admit(edit((s) => delete s.teamId), V2)).toEqual([
      { reason: 'FieldValueRequired', field: 'spec.teamId', message: 'Required value' },
    ]);
  });

  it('a wrong type', () => {
    expect(admit(edit((s) => (s.numberOfInstances = 'three')), V2)).toEqual([
      {
        reason: 'FieldValueTypeInvalid',
        field: 'spec.numberOfInstances',
        message: 'Invalid value: "string": spec.numberOfInstances in body must be of type integer: "string"',
      },
    ]);
    expect(admit(edit((s) => (s.enableShmVolume = 'yes')), V2)[0].message).toBe(
      'Invalid value: "string": spec.enableShmVolume in body must be of type boolean: "string"',
    );
  });

  it('a number beyond int64 is not an integer, as the server decodes it (1e20 instances)', () => {
    expect(admit(edit((s) => (s.numberOfInstances = 1e20)), V2)).toEqual([
      {
        reason: 'FieldValueTypeInvalid',
        field: 'spec.numberOfInstances',
        message: 'Invalid value: "number": spec.numberOfInstances in body must be of type integer: "number"',
      },
    ]);
    expect(admit(edit((s) => ((s.patroni as Record<string, unknown>).ttl = -1e300)), V2).map((e) => e.field)).toEqual(['spec.patroni.ttl']);
    expect(admit(edit((s) => (s.numberOfInstances = 2 ** 40)), V2)).toEqual([]); // an int64: the CRD's int32 format is not checked
  });

  it('a value outside the enum', () => {
    const obj = edit((s) => ((s.postgresql as Record<string, unknown>).version = '9'), 'complete-postgres-manifest.v1.15.1.yaml');
    expect(admit(obj, V1_15)).toEqual([
      {
        reason: 'FieldValueNotSupported',
        field: 'spec.postgresql.version',
        message: 'Unsupported value: "9": supported values: "13", "14", "15", "16", "17"',
      },
    ]);
  });

  it('enum inside a map of arrays names the key and index', () => {
    const [error] = admit(edit((s) => ((s.users as Record<string, string[]>).zalando[1] = 'superpower')), V2);
    expect(error.field).toBe('spec.users.zalando[1]');
    expect(error.message).toMatch(/^Unsupported value: "superpower": supported values: "bypassrls", "BYPASSRLS", /);
  });

  it('minimum and maximum', () => {
    expect(admit(edit((s) => (s.numberOfInstances = -1)), V2)).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.numberOfInstances',
        message: 'Invalid value: -1: spec.numberOfInstances in body should be greater than or equal to 0',
      },
    ]);
    expect(admit(edit((s) => ((s.volume as Record<string, unknown>).iops = 90000)), V2)[0].message).toBe(
      'Invalid value: 90000: spec.volume.iops in body should be less than or equal to 80000',
    );
  });

  it('a pattern mismatch quotes the pattern', () => {
    const obj = edit((s) => (s.allowedSourceRanges = ['10.0.0.1']), 'complete-postgres-manifest.v1.15.1.yaml');
    const pattern = (V1_15.properties!.spec.properties!.allowedSourceRanges.items as SchemaProps).pattern;
    expect(admit(obj, V1_15)).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.allowedSourceRanges[0]',
        message: `Invalid value: "10.0.0.1": spec.allowedSourceRanges[0] in body should match '${pattern}'`,
      },
    ]);
  });

  it('enforces a pattern only legacy JavaScript regexes accept (maintenanceWindows uses `\\ `)', () => {
    expect(admit(edit((s) => (s.maintenanceWindows = ['Sat:01:00-05:00', ' 01:00-06:00 '])), V2)).toEqual([]);
    const errors = admit(edit((s) => (s.maintenanceWindows = ['01:00-06:00', 'whenever'])), V2);
    expect(errors.map((e) => e.field)).toEqual(['spec.maintenanceWindows[1]']);
    expect(errors[0].message).toMatch(/^Invalid value: "whenever": spec\.maintenanceWindows\[1\] in body should match '\^\\ \*/);
  });

  it('int-or-string fields report the type, the anyOf, and the closest alternative', () => {
    const obj = edit((s) => ((s.initContainers as Record<string, unknown>[])[0].resources = { limits: { cpu: true } }));
    const path = 'spec.initContainers[0].resources.limits.cpu';
    expect(admit(obj, V2)).toEqual([
      {
        reason: 'FieldValueTypeInvalid',
        field: path,
        message: `Invalid value: "boolean": ${path} in body must be of type integer,string: "boolean"`,
      },
      { reason: 'FieldValueInvalid', field: '<nil>', message: `Invalid value: "": "${path}" must validate at least one schema (anyOf)` },
      {
        reason: 'FieldValueTypeInvalid',
        field: path,
        message: `Invalid value: "boolean": ${path} in body must be of type integer: "boolean"`,
      },
    ]);
    const ok = edit((s) => ((s.initContainers as Record<string, unknown>[])[0].resources = { limits: { cpu: '500m', memory: 1024 } }));
    expect(admit(ok, V2)).toEqual([]);
  });

  it('standby: anyOf needs one WAL source or a host, not both paths', () => {
    const none = admit(edit((s) => (s.standby = {})), V2);
    expect(none).toEqual([
      { reason: 'FieldValueInvalid', field: '<nil>', message: 'Invalid value: "": "spec.standby" must validate at least one schema (anyOf)' },
      { reason: 'FieldValueRequired', field: 'spec.standby.s3_wal_path', message: 'Required value' },
    ]);
    const both = admit(edit((s) => (s.standby = { s3_wal_path: 's3://a', gs_wal_path: 'gs://b' })), V2);
    expect(both).toEqual([
      { reason: 'FieldValueInvalid', field: '<nil>', message: 'Invalid value: "": "spec.standby" must not validate the schema (not)' },
    ]);
  });

  it('lists several causes, required ones after the properties', () => {
    const obj = edit((s) => {
      delete s.teamId;
      delete s.volume;
      s.numberOfInstances = 'three';
    });
    expect(admit(obj, V2).map((e) => `${e.field}: ${e.message}`)).toEqual([
      'spec.numberOfInstances: Invalid value: "string": spec.numberOfInstances in body must be of type integer: "string"',
      'spec.teamId: Required value',
      'spec.volume: Required value',
    ]);
  });

  it('length, item-count and property-count limits', () => {
    const schema: SchemaProps = {
      type: 'object',
      properties: {
        name: { type: 'string', maxLength: 3, pattern: '^[a-z]+$' },
        code: { type: 'string', minLength: 2 },
        tags: { type: 'array', maxItems: 1, items: { type: 'string' } },
        ports: { type: 'array', minItems: 1, items: { type: 'integer' } },
        labels: { type: 'object', maxProperties: 1, additionalProperties: { type: 'string' } },
        when: { type: 'string', format: 'date-time' },
        ratio: { type: 'number', exclusiveMaximum: true, maximum: 1.5 },
      },
    };
    // 'abcd1' also breaks the pattern, but the server reports only the first string failure
    const obj = { name: 'abcd1', code: 'é', tags: ['a', 'b'], ports: [], labels: { a: 'x', b: 'y' }, when: 'yesterday', ratio: 1.5 };
    expect(validate(obj, schema).map((e) => [e.reason, `${e.field}: ${e.message}`])).toEqual([
      ['FieldValueTooLong', 'name: Too long: may not be more than 3 bytes'],
      ['FieldValueInvalid', 'code: Invalid value: "é": code in body should be at least 2 chars long'],
      ['FieldValueTooMany', 'tags: Too many: 2: must have at most 1 items'],
      ['FieldValueInvalid', 'ports: Invalid value: 0: ports in body should have at least 1 items'],
      ['FieldValueTooMany', 'labels: Too many: 2: must have at most 1 items'],
      ['FieldValueTypeInvalid', 'when: Invalid value: "yesterday": when in body must be of type date-time: "yesterday"'],
      ['FieldValueInvalid', 'ratio: Invalid value: 1.5: ratio in body should be less than 1.5'],
    ]);
    expect(validate({ when: '2024-05-01T10:00:00Z', code: 'ok' }, schema)).toEqual([]);
  });
});

describe('invalidMessage', () => {
  const required = (field: string): FieldError => ({ reason: 'FieldValueRequired', field, message: 'Required value' });

  it('brackets several causes and drops duplicates', () => {
    const errors = [required('spec.teamId'), required('spec.volume'), required('spec.teamId')];
    expect(invalidMessage('postgresql', 'acid.zalan.do', 'acid-x', errors)).toBe(
      'postgresql.acid.zalan.do "acid-x" is invalid: [spec.teamId: Required value, spec.volume: Required value]',
    );
  });

  it('prints a single cause bare, and core kinds without a group', () => {
    expect(invalidMessage('Pod', '', 'p', [required('spec.containers')])).toBe('Pod "p" is invalid: spec.containers: Required value');
    expect(invalidMessage('Pod', '', 'p', [])).toBe('Pod "p" is invalid');
  });
});

describe('speed', () => {
  it('prunes, defaults and validates the complete manifest against the 189 KB CRD well under a millisecond', () => {
    const obj = manifest('complete-postgres-manifest.yaml');
    admit(obj, V2); // first run compiles the patterns it meets
    const runs = 500;
    const start = performance.now();
    for (let i = 0; i < runs; i++) admit(obj, V2);
    const perWrite = (performance.now() - start) / runs;
    expect(perWrite).toBeLessThan(1);
  });
});
