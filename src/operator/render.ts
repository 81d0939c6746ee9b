// What `zpg render` prints: the objects the daemon would create for manifests
// under a configuration, offline, through the daemon's own builders.
import { parseAllDocuments } from 'yaml';
import type { OperatorConfig } from './config/keys.ts';
import { defaultConfig, parseConfigMapData, parseOperatorConfiguration, type ParsedConfig } from './config/parse.ts';
import { buildCluster, namespaceObjects, type KubeObj } from './build/cluster.ts';
import { normalize } from './model/normalize.ts';
import type { Postgresql } from './model/types.ts';
import { MAX_NESTING_DEPTH, textNestingDepth } from './model/schema-check.ts';
import { describeErrors, validate } from './model/validate.ts';

export const UID_PLACEHOLDER = '<metadata.uid>';

export class RenderError extends Error {}

export interface RenderResult {
  objects: KubeObj[];
  /** per manifest: validation warnings and builder warnings, worded for a reviewer */
  warnings: string[];
}

/** A ConfigMap (data) or an OperatorConfiguration (configuration); anything else is refused */
export function configFromDocument(doc: unknown, source: string): ParsedConfig {
  const o = (doc ?? {}) as { kind?: string; data?: Record<string, unknown>; configuration?: unknown };
  if (o.kind === 'ConfigMap') return parseConfigMapData(o.data);
  if (o.kind === 'OperatorConfiguration') return parseOperatorConfiguration(o);
  throw new RenderError(`${source}: expected a ConfigMap or an OperatorConfiguration, found kind ${JSON.stringify(o.kind ?? null)}`);
}

export function parseYamlDocuments(text: string, source: string): unknown[] {
  // The parser recurses per level: refuse what no manifest needs before it overflows the stack.
  const depth = textNestingDepth(text);
  const tooDeep = () => new RenderError(`${source}: nested ${depth > MAX_NESTING_DEPTH ? `${depth} levels` : 'too'} deep; the depth limit is ${MAX_NESTING_DEPTH} levels`);
  if (depth > MAX_NESTING_DEPTH) throw tooDeep();
  try {
    const out: unknown[] = [];
    for (const d of parseAllDocuments(text)) {
      if (d.errors.length > 0) throw new RenderError(`${source}: not valid YAML: ${d.errors[0]!.message.split('\n')[0]}`);
      const v = d.toJS() as unknown;
      if (v !== null && v !== undefined) out.push(v);
    }
    return out;
  } catch (e) {
    if (e instanceof RangeError) throw tooDeep(); // block-style YAML nested beyond what the parser's recursion takes
    throw e;
  }
}

export function loadConfig(text: string | undefined, source = 'config'): OperatorConfig {
  if (text === undefined) return defaultConfig();
  const docs = parseYamlDocuments(text, source);
  if (docs.length !== 1) throw new RenderError(`${source}: expected one document, found ${docs.length}`);
  const parsed = configFromDocument(docs[0], source);
  if (parsed.problems.length > 0) throw new RenderError(`${source}: ${parsed.problems.map((p) => p.message).join('; ')}`);
  return parsed.config;
}

export function render(manifests: unknown[], config: OperatorConfig, source = 'manifest'): RenderResult {
  const objects: KubeObj[] = [];
  const warnings: string[] = [];
  const namespaces = new Set<string>();
  const pgs = manifests.map((m, i) => asPostgresql(m, manifests.length > 1 ? `${source} (document ${i + 1})` : source));
  for (const raw of pgs) {
    const pg = normalize(raw);
    pg.metadata = { ...pg.metadata, uid: pg.metadata.uid ?? UID_PLACEHOLDER };
    const name = pg.metadata.name ?? '?';
    const v = validate(pg, config);
    if (v.errors.length > 0) throw new RenderError(`postgresql "${name}" is invalid: ${describeErrors(v.errors)}`);
    warnings.push(...v.warnings.map((w) => `postgresql "${name}": ${w.field}: ${w.message}`));
    const built = buildCluster(pg, config);
    if (built.errors.length > 0) throw new RenderError(`postgresql "${name}": ${built.errors.join('; ')}`);
    warnings.push(...built.warnings.map((w) => `postgresql "${name}": ${w}`));
    const ns = built.context.namespace;
    if (!namespaces.has(ns)) {
      namespaces.add(ns);
      objects.push(...namespaceObjects(config, ns));
    }
    objects.push(...built.objects);
  }
  return { objects, warnings };
}

function asPostgresql(doc: unknown, source: string): Postgresql {
  const o = (doc ?? {}) as Partial<Postgresql>;
  if ((o as { kind?: string }).kind !== 'postgresql') {
    throw new RenderError(`${source}: expected kind postgresql (acid.zalan.do/v1), found ${JSON.stringify((o as { kind?: string }).kind ?? null)}`);
  }
  if (!o.metadata?.name) throw new RenderError(`${source}: metadata.name is required`);
  if (typeof o.metadata.name !== 'string') throw new RenderError(`${source}: metadata.name must be a string`);
  return { ...o, metadata: { ...o.metadata }, spec: o.spec ?? {} } as Postgresql;
}
