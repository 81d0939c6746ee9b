// meta.k8s.io/v1 Table responses: kubectl prints these cells verbatim, so the
// columns, the cell values and the pre-rendered ages are what a user sees.
import { describe, expect, it } from 'vitest';
import { builtinColumns } from '../../src/sandbox/api/builtin-columns.ts';
import { humanDuration, toTable } from '../../src/sandbox/api/table.ts';
import type { KubeObject, PrinterColumn } from '../../src/sandbox/api/types.ts';
import { loadFixture } from '../helpers/fixtures.ts';

const NOW = new Date('2025-03-10T12:00:00Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function v2Columns(): PrinterColumn[] {
  const crd = loadFixture('postgresql.crd.yaml')[0];
  return (crd.spec as { versions: { additionalPrinterColumns: PrinterColumn[] }[] }).versions[0].additionalPrinterColumns;
}

function postgresql(file: string, created: string, status?: string): KubeObject {
  const obj = structuredClone(loadFixture(file).find((o) => o.kind === 'postgresql')!);
  obj.metadata = { ...obj.metadata, namespace: 'default', uid: `uid-${obj.metadata.name}`, resourceVersion: '7', creationTimestamp: created };
  if (status) obj.status = { PostgresClusterStatus: status };
  return obj;
}

const cellsByColumn = (table: ReturnType<typeof toTable>, row: number) =>
  Object.fromEntries(table.columnDefinitions.map((c, i) => [c.name, table.rows[row].cells[i]]));

describe('humanDuration (apimachinery duration.HumanDuration)', () => {
  it.each([
    [-5, '<invalid>'],
    [-1, '0s'],
    [0, '0s'],
    [5, '5s'],
    [119, '119s'],
    [120, '2m'],
    [182, '3m2s'],
    [599, '9m59s'],
    [600, '10m'],
    [179 * 60, '179m'],
    [3 * 3600, '3h'],
    [4 * 3600 + 30 * 60, '4h30m'],
    [8 * 3600 + 59 * 60, '8h'],
    [47 * 3600, '47h'],
    [2 * 86400 + 3 * 3600, '2d3h'],
    [7 * 86400, '7d'],
    [45 * 86400, '45d'],
    [800 * 86400, '2y70d'],
    [9 * 365 * 86400, '9y'],
  ])('%i s → %s', (seconds, text) => {
    expect(humanDuration(seconds * 1000)).toBe(text);
  });
});

describe('postgresql Table under the v2 CRD', () => {
  const objects = [
    postgresql('complete-postgres-manifest.yaml', ago(4 * 86400 + 3 * 3600 + 5), 'Running'),
    postgresql('minimal-postgres-manifest.yaml', ago(182)),
  ];
  const table = toTable(objects, v2Columns(), { resourceVersion: '1010', continue: 'next-page' }, NOW);

  it('is a meta.k8s.io/v1 Table with the list metadata', () => {
    expect(table.kind).toBe('Table');
    expect(table.apiVersion).toBe('meta.k8s.io/v1');
    expect(table.metadata).toEqual({ resourceVersion: '1010', continue: 'next-page' });
  });

  it('starts with Name and then the CRD printer columns, typed and described', () => {
    expect(table.columnDefinitions.map((c) => [c.name, c.type, c.format, c.priority])).toEqual([
      ['Name', 'string', 'name', 0],
      ['Team', 'string', '', 0],
      ['Version', 'string', '', 0],
      ['Pods', 'integer', '', 0],
      ['Volume', 'string', '', 0],
      ['CPU-Request', 'string', '', 0],
      ['Memory-Request', 'string', '', 0],
      ['Age', 'date', '', 0],
      ['Status', 'string', '', 0],
    ]);
    expect(table.columnDefinitions[1].description).toBe('Team responsible for Postgres cluster');
  });

  it('fills the cells from the manifests, ages pre-rendered, missing values null', () => {
    expect(table.rows.map((r) => r.cells)).toEqual([
      ['acid-test-cluster', 'acid', '18', 2, '1Gi', '10m', '100Mi', '4d3h', 'Running'],
      ['acid-minimal-cluster', 'acid', '18', 2, '1Gi', null, null, '3m2s', null],
    ]);
  });

  it('carries each object as PartialObjectMetadata', () => {
    expect(table.rows[1].object).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: objects[1].metadata,
    });
  });
});

describe('CRD column cells the way the apiextensions convertor renders them', () => {
  const column = (type: string, jsonPath: string): PrinterColumn => ({ name: 'C', type, jsonPath });
  const cell = (obj: Record<string, unknown>, c: PrinterColumn) =>
    toTable([{ metadata: { name: 'x' }, ...obj }], [c], { resourceVersion: '1' }, NOW).rows[0].cells[1];

  it('prints non-string values in string columns, null as <no value>', () => {
    expect(cell({ spec: { n: 3 } }, column('string', '.spec.n'))).toBe('3');
    expect(cell({ spec: { n: 2.5 } }, column('string', '.spec.n'))).toBe('2.5');
    expect(cell({ spec: { b: true } }, column('string', '.spec.b'))).toBe('true');
    expect(cell({ spec: { m: { z: 1, a: '<b>' } } }, column('string', '.spec.m'))).toBe('{"a":"\\u003cb\\u003e","z":1}');
    expect(cell({ spec: { n: null } }, column('string', '.spec.n'))).toBe('<no value>');
  });

  it('types integer, number, boolean and date cells, null when the type does not fit', () => {
    expect(cell({ spec: { n: 2.9 } }, column('integer', '.spec.n'))).toBe(2);
    expect(cell({ spec: { n: '3' } }, column('integer', '.spec.n'))).toBeNull();
    expect(cell({ spec: { n: 3 } }, column('number', '.spec.n'))).toBe(3);
    expect(cell({ spec: { b: false } }, column('boolean', '.spec.b'))).toBe(false);
    expect(cell({ status: { at: ago(50) } }, column('date', '.status.at'))).toBe('50s');
    expect(cell({ status: { at: 'last tuesday' } }, column('date', '.status.at'))).toBe('<invalid>');
    expect(cell({ status: { at: '' } }, column('date', '.status.at'))).toBe('<unknown>');
  });

  it('follows array indexes, negative indexes and quoted keys', () => {
    const obj = { status: { conditions: [{ type: 'A' }, { type: 'B' }] }, metadata: { name: 'x', labels: { 'app.kubernetes.io/name': 'pg' } } };
    expect(cell(obj, column('string', '.status.conditions[0].type'))).toBe('A');
    expect(cell(obj, column('string', '.status.conditions[-1].type'))).toBe('B');
    expect(cell(obj, column('string', '.status.conditions[5].type'))).toBeNull();
    expect(cell(obj, column('string', ".metadata.labels['app.kubernetes.io/name']"))).toBe('pg');
    expect(cell(obj, column('string', '.metadata.labels.app\\.kubernetes\\.io/name'))).toBe('pg');
  });

  it('gives a CRD without printer columns the Age column', () => {
    const table = toTable([{ metadata: { name: 'x', creationTimestamp: ago(3600) } }], [], { resourceVersion: '1' }, NOW);
    expect(table.columnDefinitions.map((c) => [c.name, c.type])).toEqual([
      ['Name', 'string'],
      ['Age', 'date'],
    ]);
    expect(table.rows[0].cells).toEqual(['x', '60m']);
  });
});

describe('built-in kinds', () => {
  const table = (kind: string, obj: Record<string, unknown>) =>
    toTable([{ metadata: { name: 'x', creationTimestamp: ago(90) }, ...obj } as KubeObject], builtinColumns(kind), { resourceVersion: '1' }, NOW);
  const shown = (kind: string, obj: Record<string, unknown>) => {
    const t = table(kind, obj);
    return Object.fromEntries(t.columnDefinitions.flatMap((c, i) => (c.priority === 0 ? [[c.name, t.rows[0].cells[i]]] : [])));
  };

  it('Pod: ready containers, status, restarts with the last restart, age', () => {
    const pod = {
      spec: { containers: [{ name: 'postgres' }, { name: 'exporter' }] },
      status: {
        phase: 'Running',
        podIP: '10.1.0.5',
        containerStatuses: [
          { name: 'postgres', ready: true, restartCount: 2, state: { running: {} }, lastState: { terminated: { finishedAt: ago(300) } } },
          { name: 'exporter', ready: true, restartCount: 0, state: { running: {} } },
        ],
      },
    };
    expect(shown('Pod', pod)).toEqual({ Name: 'x', Ready: '2/2', Status: 'Running', Restarts: '2 (5m ago)', Age: '90s' });
    expect(cellsByColumn(table('Pod', pod), 0)).toMatchObject({ IP: '10.1.0.5', Node: '<none>' });
  });

  it('Pod: waiting, crashing, init and terminating states read like kubectl', () => {
    const waiting = { spec: { containers: [{ name: 'c' }] }, status: { phase: 'Pending', containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ContainerCreating' } } }] } };
    expect(shown('Pod', waiting).Status).toBe('ContainerCreating');
    expect(shown('Pod', waiting).Ready).toBe('0/1');
    const init = {
      spec: { initContainers: [{ name: 'i1' }, { name: 'i2' }], containers: [{ name: 'c' }] },
      status: { phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 0 } } }, { name: 'i2', state: { running: {} } }] },
    };
    expect(shown('Pod', init).Status).toBe('Init:1/2');
    const gone = { metadata: { name: 'x', creationTimestamp: ago(90), deletionTimestamp: ago(1) }, spec: { containers: [] }, status: { phase: 'Running' } };
    expect(shown('Pod', gone).Status).toBe('Terminating');
  });

  it('StatefulSet, Service and PVC', () => {
    expect(shown('StatefulSet', { spec: { replicas: 2 }, status: { readyReplicas: 1 } })).toEqual({ Name: 'x', Ready: '1/2', Age: '90s' });
    expect(
      shown('Service', { spec: { type: 'ClusterIP', clusterIP: '10.96.0.12', ports: [{ port: 5432, protocol: 'TCP' }, { port: 8008 }] } }),
    ).toEqual({ Name: 'x', Type: 'ClusterIP', 'Cluster-IP': '10.96.0.12', 'External-IP': '<none>', 'Port(s)': '5432/TCP,8008/TCP', Age: '90s' });
    expect(shown('Service', { spec: { type: 'LoadBalancer', clusterIPs: ['10.96.0.9'], ports: [{ port: 5432, nodePort: 30432, protocol: 'TCP' }] } })).toMatchObject({
      'External-IP': '<pending>',
      'Port(s)': '5432:30432/TCP',
    });
    const pvc = {
      spec: { volumeName: 'pv-1', storageClassName: 'standard', resources: { requests: { storage: '1Gi' } } },
      status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] },
    };
    expect(shown('PersistentVolumeClaim', pvc)).toEqual({
      Name: 'x',
      Status: 'Bound',
      Volume: 'pv-1',
      Capacity: '1Gi',
      'Access Modes': 'RWO',
      StorageClass: 'standard',
      VolumeAttributesClass: '<unset>',
      Age: '90s',
    });
  });

  it('ConfigMap, Secret and Endpoints', () => {
    expect(shown('ConfigMap', { data: { a: '1', b: '2' } })).toEqual({ Name: 'x', Data: 2, Age: '90s' });
    expect(shown('Secret', { type: 'Opaque', data: { password: 'eA==' } })).toEqual({ Name: 'x', Type: 'Opaque', Data: 1, Age: '90s' });
    const ep = { subsets: [{ addresses: [{ ip: '10.1.0.1' }, { ip: '10.1.0.2' }, { ip: '10.1.0.3' }, { ip: '10.1.0.4' }], ports: [{ port: 5432 }] }] };
    expect(shown('Endpoints', ep).Endpoints).toBe('10.1.0.1:5432,10.1.0.2:5432,10.1.0.3:5432 + 1 more...');
    expect(shown('Endpoints', {}).Endpoints).toBe('<none>');
  });

  it('Events lead with Last Seen and keep Name as a wide-only last column', () => {
    const event = {
      type: 'Normal',
      reason: 'Created',
      message: 'Created statefulset ',
      involvedObject: { kind: 'postgresql', name: 'acid-minimal-cluster' },
      firstTimestamp: ago(600),
      lastTimestamp: ago(120),
      count: 3,
    };
    const t = table('Event', event);
    expect(t.columnDefinitions[0].name).toBe('Last Seen');
    expect(t.columnDefinitions.at(-1)).toMatchObject({ name: 'Name', format: 'name', priority: 1 });
    expect(shown('Event', event)).toEqual({
      'Last Seen': '2m',
      Type: 'Normal',
      Reason: 'Created',
      Object: 'postgresql/acid-minimal-cluster',
      Message: 'Created statefulset',
    });
  });

  it('kinds without a printer: Created At for RBAC roles and CRDs, Age otherwise', () => {
    expect(shown('ClusterRole', {})).toEqual({ Name: 'x', 'Created At': ago(90) });
    expect(shown('SomethingElse', {})).toEqual({ Name: 'x', Age: '90s' });
  });

  it('a missing creationTimestamp is <unknown>', () => {
    const t = toTable([{ metadata: { name: 'x' } }], builtinColumns('ConfigMap'), { resourceVersion: '1' }, NOW);
    expect(t.rows[0].cells).toEqual(['x', 0, '<unknown>']);
  });
});
