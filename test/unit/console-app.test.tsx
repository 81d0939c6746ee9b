// The console's frames as a user sees them, driven by keys, with the store as
// the only input (ink-testing-library; no terminal, no cluster).
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { createZpgStore } from '../../src/store/store.ts';
import { App } from '../../src/ui/app.tsx';

const tick = () => new Promise((r) => setTimeout(r, 30));

function seeded() {
  const store = createZpgStore({ name: 'test-ctx', namespace: 'default', allNamespaces: false });
  const s = store.getState();
  for (const name of ['acid-beta', 'acid-alpha']) s.upsert('postgresqls', { metadata: { name, namespace: 'default' }, spec: { teamId: 'acid', numberOfInstances: 2, postgresql: { version: '15' } } } as never);
  s.upsert('pods', { metadata: { name: 'acid-alpha-0', namespace: 'default', labels: { 'cluster-name': 'acid-alpha', 'spilo-role': 'master' }, annotations: { status: '{"state":"running","role":"master","timeline":4}' } }, status: { phase: 'Running', podIP: '10.1.1.1', conditions: [{ type: 'Ready', status: 'True' }] } } as never);
  return store;
}

describe('console', () => {
  it('lists clusters, opens one with enter, shows its members, and goes back', async () => {
    const store = seeded();
    const namespaces: (string | undefined)[] = [];
    const ui = render(<App store={store} actions={{ setNamespace: (ns) => namespaces.push(ns) }} />);
    await tick();
    const frame = ui.lastFrame()!;
    expect(frame).toMatch(/acid-alpha\s.*1\/1/);
    expect(frame.indexOf('acid-alpha')).toBeLessThan(frame.indexOf('acid-beta'));
    ui.stdin.write('\r');
    await tick();
    expect(ui.lastFrame()).toContain('clusters › default/acid-alpha');
    expect(ui.lastFrame()).toMatch(/acid-alpha-0\s+10\.1\.1\.1\s+leader\s+running\s+1\/1\s+Running\s+4/);
    ui.stdin.write('\x1b');
    await tick();
    await tick();
    expect(ui.lastFrame()).toContain('acid-beta');
    ui.unmount();
  });

  it('shows live changes from the store without a key press', async () => {
    const store = seeded();
    const ui = render(<App store={store} actions={{ setNamespace: () => {} }} />);
    await tick();
    store.getState().upsert('postgresqls', { metadata: { name: 'acid-gamma', namespace: 'default' }, spec: { teamId: 'acid' } } as never);
    await tick();
    expect(ui.lastFrame()).toContain('acid-gamma');
    ui.unmount();
  });

  it('filters with / and switches namespace with :ns', async () => {
    const store = seeded();
    const namespaces: (string | undefined)[] = [];
    const ui = render(<App store={store} actions={{ setNamespace: (ns) => namespaces.push(ns) }} />);
    await tick();
    ui.stdin.write('/bet\r');
    await tick();
    expect(ui.lastFrame()).not.toContain('acid-alpha ');
    expect(ui.lastFrame()).toContain('acid-beta');
    ui.stdin.write(':ns prod\r');
    await tick();
    expect(namespaces).toEqual(['prod']);
    ui.stdin.write(':bogus\r');
    await tick();
    expect(ui.lastFrame()).toContain('unknown command ":bogus"');
    ui.unmount();
  });

  it('shows a Kubernetes error in the status line instead of crashing', async () => {
    const store = seeded();
    const ui = render(<App store={store} actions={{ setNamespace: () => {} }} />);
    store.getState().say('error', 'cannot reach https://api.example:6443 (ECONNREFUSED): check --context, or start zpg demo');
    await tick();
    expect(ui.lastFrame()).toContain('check --context, or start zpg demo');
    expect(ui.lastFrame()).toContain('acid-alpha'); // the last known data stays on screen
    ui.unmount();
  });
});
