// Built-in objects as the real server's strategies treat them.
import { describe, expect, it } from 'vitest';
import { carryOverOnUpdate, defaultObject, validateCreate, validateUpdate } from '../../src/sandbox/api/admission.ts';
import type { KubeObject } from '../../src/sandbox/api/types.ts';

const ctx = { allocateClusterIP: () => '10.96.0.42' };
const sts = (extra: Record<string, unknown> = {}): KubeObject => ({ metadata: { name: 'acid-x' }, spec: { serviceName: 'acid-x', selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'postgres', image: 'spilo:3' }] } }, ...extra } });

describe('admission', () => {
  it('adds the defaults a real server adds to a StatefulSet', () => {
    const d = defaultObject('StatefulSet', sts(), ctx) as unknown as { spec: Record<string, unknown> & { template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } } };
    expect(d.spec).toMatchObject({ replicas: 1, podManagementPolicy: 'OrderedReady', revisionHistoryLimit: 10, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } });
    expect(d.spec.template.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30 });
    expect(d.spec.template.spec.containers[0]).toMatchObject({ imagePullPolicy: 'IfNotPresent', terminationMessagePolicy: 'File' });
  });

  it('forbids changing a StatefulSet spec outside the mutable fields', () => {
    const old = defaultObject('StatefulSet', sts(), ctx);
    expect(validateUpdate('StatefulSet', defaultObject('StatefulSet', sts({ replicas: 3 }), ctx), old)).toEqual([]);
    const changed = defaultObject('StatefulSet', sts({ volumeClaimTemplates: [{ metadata: { name: 'pgdata' } }] }), ctx);
    expect(validateUpdate('StatefulSet', changed, old)[0].message).toMatch(/^Forbidden: updates to statefulset spec for fields other than 'replicas'/);
  });

  it('validates names and labels with the real messages', () => {
    expect(validateCreate('ConfigMap', { metadata: { name: 'Acid_X' } })[0].message).toMatch(/^Invalid value: "Acid_X": a lowercase RFC 1123 subdomain/);
    expect(validateCreate('Service', { metadata: { name: 'a.b' } })[0].message).toMatch(/RFC 1123 label/);
    expect(validateCreate('ConfigMap', { metadata: { name: 'ok', labels: { team: 'bad value!' } } })[0].field).toBe('metadata.labels');
  });

  it('folds Secret stringData into data, keeps a Service clusterIP, and guards immutable ConfigMaps', () => {
    const s = defaultObject('Secret', { metadata: { name: 's' }, stringData: { password: 'pw' } } as KubeObject, ctx) as Record<string, unknown>;
    expect(s).toMatchObject({ type: 'Opaque', data: { password: Buffer.from('pw').toString('base64') } });
    expect(s.stringData).toBeUndefined();
    const svc = defaultObject('Service', { metadata: { name: 'svc' }, spec: { ports: [{ port: 5432 }] } } as KubeObject, ctx);
    const update = carryOverOnUpdate('Service', { metadata: { name: 'svc' }, spec: { ports: [{ port: 5432 }] } } as KubeObject, svc) as unknown as { spec: { clusterIP: string } };
    expect(update.spec.clusterIP).toBe('10.96.0.42');
    const cm = { metadata: { name: 'c' }, immutable: true, data: { a: '1' } } as KubeObject;
    expect(validateUpdate('ConfigMap', { ...cm, data: { a: '2' } }, cm)[0].message).toContain('immutable');
  });
});
