// Zalando's CRDs and example manifests, the compatibility contract, read from
// shared/ beside the checkout (CI has it beside the clone too).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../src/sandbox/api/types.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const ZALANDO_FIXTURES = resolve(here, '..', '..', '..', 'shared', 'fixtures', 'zalando');

export function fixturePath(name: string): string {
  const p = join(ZALANDO_FIXTURES, name);
  if (!existsSync(p)) throw new Error(`fixture ${name} not found at ${p}: shared/ must sit beside the checkout`);
  return p;
}

export function loadFixture(name: string): KubeObject[] {
  return parseAllDocuments(readFileSync(fixturePath(name), 'utf8'))
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null && typeof o === 'object');
}
