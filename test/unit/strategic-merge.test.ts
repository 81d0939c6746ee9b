// Strategic merge patches as kubectl apply and Patroni send them.
import { describe, expect, it } from 'vitest';
import { strategicMerge } from '../../src/sandbox/api/strategic-merge.ts';

const sts = {
  metadata: { name: 'db', annotations: { a: '1' }, finalizers: ['x', 'y'] },
  spec: {
    template: {
      spec: {
        containers: [
          { name: 'postgres', image: 'spilo:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 5432 }, { containerPort: 8008 }] },
          { name: 'sidecar', image: 'side:1' },
        ],
        tolerations: [{ key: 'a' }],
      },
    },
  },
};

describe('strategic merge patch', () => {
  it('merges containers and env by name, keeping what the patch does not mention, and drops directives', () => {
    const out = strategicMerge(sts, {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'postgres' }, { name: 'sidecar' }],
            containers: [{ name: 'postgres', image: 'spilo:2', '$setElementOrder/env': [{ name: 'A' }, { name: 'B' }], env: [{ name: 'B', value: '3' }] }],
          },
        },
      },
    }) as typeof sts;
    const [pg, side] = out.spec.template.spec.containers;
    expect(pg.image).toBe('spilo:2');
    expect(pg.env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '3' }]);
    expect(pg.ports).toHaveLength(2);
    expect(side).toEqual({ name: 'sidecar', image: 'side:1' });
    expect(JSON.stringify(out)).not.toContain('$setElementOrder');
  });

  it('deletes list items with $patch: delete, keys with null, and replaces lists without a merge key', () => {
    const out = strategicMerge(sts, {
      metadata: { annotations: { a: null, leader: 'db-0' } },
      spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }], tolerations: [{ key: 'b' }] } } },
    }) as typeof sts;
    expect(out.metadata.annotations).toEqual({ leader: 'db-0' });
    expect(out.spec.template.spec.containers.map((c) => c.name)).toEqual(['postgres']);
    expect(out.spec.template.spec.tolerations).toEqual([{ key: 'b' }]);
  });

  it('replaces Endpoints subsets whole, as Patroni expects on demotion', () => {
    const ep = { subsets: [{ addresses: [{ ip: '127.0.0.11' }], ports: [{ port: 5432, name: 'postgresql' }] }] };
    expect(strategicMerge(ep, { subsets: [] })).toEqual({ subsets: [] });
    expect(strategicMerge(ep, { subsets: [{ addresses: [{ ip: '127.0.0.12' }], ports: [{ port: 5432 }] }] })).toEqual({ subsets: [{ addresses: [{ ip: '127.0.0.12' }], ports: [{ port: 5432 }] }] });
  });

  it('treats finalizers as a set and honours $deleteFromPrimitiveList', () => {
    expect((strategicMerge(sts, { metadata: { finalizers: ['y', 'z'] } }) as typeof sts).metadata.finalizers).toEqual(['x', 'y', 'z']);
    expect((strategicMerge(sts, { metadata: { '$deleteFromPrimitiveList/finalizers': ['x'] } }) as typeof sts).metadata.finalizers).toEqual(['y']);
  });

  it('merges Service ports by port', () => {
    const svc = { spec: { ports: [{ port: 5432, name: 'postgresql', targetPort: 5432 }] } };
    expect(strategicMerge(svc, { spec: { ports: [{ port: 5432, targetPort: 6432 }] } })).toEqual({ spec: { ports: [{ port: 5432, name: 'postgresql', targetPort: 6432 }] } });
  });
});
