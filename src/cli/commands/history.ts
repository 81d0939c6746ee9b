// `zpg history CLUSTER`: the timelines like `patronictl history`: where each
// ended (LSN), why, when, and who led next. JSON is an array of
// {timeline, lsn, lsnBytes, reason, time, newLeader}.
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
import { parseOutput, structured, table } from '../format.ts';

export function registerHistory(program: Command): void {
  program
    .command('history <cluster>')
    .description("a cluster's failovers and switchovers: timeline, LSN, reason, time, new leader")
    .option('-o, --output <format>', 'json or yaml')
    .action(async (name: string, opts: { output?: string }, cmd: Command) => {
      const format = parseOutput(opts.output, ['table', 'json', 'yaml']);
      const [{ liteFrom, withLite }, { readHistory }] = await Promise.all([import('../lite-command.ts'), import('../../services/clusters/history.ts')]);
      const k = liteFrom(cmd);
      if (!k) throw new UsageError('zpg history needs a kubeconfig with a token, client certificate or exec plugin; auth-provider plugins and proxies are not supported here', 1);
      const { rows } = await withLite(() =>
        readHistory(k, k.namespace, name).catch((e: unknown) => {
          throw new UsageError(e instanceof Error ? e.message : String(e), 1);
        }),
      );
      if (format === 'json' || format === 'yaml') {
        process.stdout.write(structured(format, rows));
        return;
      }
      if (!rows.length) {
        process.stdout.write(`${name} is still on its first timeline: no failover or switchover yet.\n`);
        return;
      }
      process.stdout.write(table(['TL', 'LSN', 'REASON', 'TIME', 'NEW LEADER'], rows.map((r) => [String(r.timeline), r.lsn, r.reason, r.time ?? '', r.newLeader ?? ''])));
    });
}
