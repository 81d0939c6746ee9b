// The build's rewrite of built-in imports (scripts/builtins-on-use.mjs): every
// form esbuild prints becomes process.getBuiltinModule, line for line, and a
// form it does not know stops the build instead of slipping through.
import { describe, expect, it } from 'vitest';
// @ts-expect-error a build script without types
import { builtinsOnUse } from '../../scripts/builtins-on-use.mjs';

const rewrite = builtinsOnUse as (js: string) => string;
const G = 'globalThis.process.getBuiltinModule';

describe('builtinsOnUse', () => {
  it('turns named, renamed, default, namespace and bare imports into getBuiltinModule, keeping the line count', () => {
    const js = ['import {', '  readFileSync,', '  join as join2', '} from "node:fs";', 'import fs from "node:fs";', 'import * as path from "node:path";', 'import EventEmitter, { once } from "node:events";', 'import { default as util2, inspect } from "node:util";', 'import "node:process";', 'import { x } from "./chunk-A.mjs";', 'use(readFileSync, join2, fs, path, EventEmitter, once, util2, inspect);'].join('\n');
    const out = rewrite(js);
    expect(out.split('\n')).toHaveLength(js.split('\n').length);
    expect(out).toContain(`const { readFileSync, join: join2 } = ${G}("node:fs");`);
    expect(out).toContain(`const fs = ${G}("node:fs");`);
    expect(out).toContain(`const path = ${G}("node:path");`);
    expect(out).toContain(`const EventEmitter = ${G}("node:events"); const { once } = ${G}("node:events");`);
    expect(out).toContain(`const util2 = ${G}("node:util"); const { inspect } = ${G}("node:util");`);
    expect(out).toContain(`${G}("node:process");`);
    expect(out).toContain('import { x } from "./chunk-A.mjs";');
    expect(out).not.toMatch(/from "node:/);
  });

  it('runs: the rewritten module sees the same functions', () => {
    const out = rewrite('import { join as j } from "node:path";\nimport os from "node:os";\nresult = [j("a", "b"), typeof os.homedir];');
    const scope: { result?: unknown } = {};
    new Function('scope', out.replace('result =', 'scope.result ='))(scope);
    expect(scope.result).toEqual(['a/b', 'function']);
  });

  it('stops the build on an import of a built-in it cannot rewrite', () => {
    expect(() => rewrite("import { a } from 'node:fs';")).toThrow(/does not know/);
  });
});
