// `npm run bench`: every benchmark prints rows with its own baseline measured
// in the same run, so the ratios mean something on any machine.
// BENCH=api, BENCH=operator, BENCH=demo, BENCH=console, BENCH=flood, BENCH=cli, BENCH=rollout, BENCH=roles or BENCH=logical runs one of them (comma-separated for several).
import { benchApi } from './api.ts';
import { benchBackups } from './backups-catalog.ts';
import { benchLogical } from './backups-logical.ts';
import { benchCli } from './cli.ts';
import { benchConsole } from './console.ts';
import { benchDemo } from './demo.ts';
import { benchFlood } from './flood.ts';
import { benchOperator } from './operator.ts';
import { benchRollout } from './rollout.ts';
import { benchRoles } from './roles.ts';
import { benchTasks } from './tasks.ts';

const all: Record<string, () => Promise<Record<string, unknown>[]>> = { api: benchApi, operator: benchOperator, demo: benchDemo, console: benchConsole, flood: benchFlood, cli: benchCli, backups: benchBackups, logical: benchLogical, rollout: benchRollout, roles: benchRoles, tasks: benchTasks };
const pick = process.env.BENCH ? process.env.BENCH.split(',') : Object.keys(all);
const rows: Record<string, unknown>[] = [];
for (const name of pick) {
  const run = all[name];
  if (!run) throw new Error(`BENCH=${name}: choose from ${Object.keys(all).join(', ')}`);
  rows.push(...(await run()));
}
console.table(rows);
