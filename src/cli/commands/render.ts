// `zpg render -f MANIFEST [--config FILE] [-o yaml|json]`: every object the
// operator would create, offline, like `helm template`, for GitOps reviews.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { UsageError } from '../errors.ts';

export function registerRender(program: Command): void {
  program
    .command('render')
    .description('print every object the operator would create for a manifest (offline)')
    .requiredOption('-f, --filename <file>', 'postgresql manifest (YAML or JSON; several documents allowed; - for stdin)')
    .option('--config <file>', 'operator configuration: a postgres-operator ConfigMap or an OperatorConfiguration (defaults otherwise)')
    .option('-o, --output <format>', 'yaml or json', 'yaml')
    .action(async (opts: { filename: string; config?: string; output: string }) => {
      if (!['yaml', 'json'].includes(opts.output)) throw new UsageError(`-o ${opts.output}: use yaml or json`);
      const { render, loadConfig, parseYamlDocuments, RenderError } = await import('../../operator/render.ts');
      try {
        const config = loadConfig(opts.config === undefined ? undefined : read(opts.config), opts.config);
        const docs = parseYamlDocuments(read(opts.filename), opts.filename);
        if (docs.length === 0) throw new RenderError(`${opts.filename}: no manifest in the file`);
        const result = render(docs, config, opts.filename);
        for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
        if (opts.output === 'json') {
          process.stdout.write(`${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: result.objects }, null, 2)}\n`);
        } else {
          process.stdout.write(result.objects.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n'));
        }
      } catch (e) {
        if (e instanceof RenderError) throw new UsageError(e.message, 1);
        throw e;
      }
    });
}

function read(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`, 1);
  }
}
