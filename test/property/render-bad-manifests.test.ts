// `zpg render` over a few thousand seeded bad manifests: each one is refused
// with a message naming a broken spec field (or warned about), never with
// JavaScript internals.
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/operator/config/parse.ts';
import { render, RenderError } from '../../src/operator/render.ts';
import { badManifests } from '../helpers/bad-manifests.ts';

const SEED = Number(process.env.ZPG_FUZZ_SEED ?? 20261204);
const INTERNALS = /object Object|is not a function|is not iterable|Cannot read|Maximum call stack|undefined/;

describe(`render of bad manifests (seed ${SEED})`, () => {
  it('refuses or warns about every one, naming a broken field', () => {
    const config = defaultConfig();
    const unreported: string[] = [];
    for (const c of badManifests(2000, SEED, 'default')) {
      let said: string;
      try {
        said = render([c.manifest], config).warnings.join('\n');
      } catch (e) {
        if (!(e instanceof RenderError)) throw new Error(`${c.description}: ${e instanceof Error ? e.stack : String(e)}`, { cause: e });
        said = e.message;
      }
      expect(said, c.description).not.toMatch(INTERNALS);
      if (!c.fields.some((f) => said.includes(f))) unreported.push(`${c.description} → ${said || '(nothing)'}`);
    }
    expect(unreported).toEqual([]);
  });
});
