// The sandbox pulls no images: it runs Debian's Patroni and PostgreSQL for
// any Spilo image. One exception, so a bad image can be tried as on a node:
// a registry under the reserved .invalid domain (RFC 2606) never answers, and
// the pod stays Pending in ErrImagePull.
import { now } from './pod-status.ts';

export function unpullableImage(container: Record<string, unknown>): string | undefined {
  const image = typeof container.image === 'string' ? container.image : '';
  const host = image.includes('/') ? image.split('/')[0]! : '';
  return /\.invalid(:\d+)?$/.test(host) ? image : undefined;
}

export function imagePullStatus(container: string, image: string): Record<string, unknown> {
  const message = `failed to pull image "${image}": dial tcp: lookup ${image.split('/')[0]}: no such host`;
  return {
    phase: 'Pending',
    conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: now() }],
    containerStatuses: [{ name: container, ready: false, restartCount: 0, started: false, image, imageID: '', state: { waiting: { reason: 'ErrImagePull', message } } }],
  };
}
