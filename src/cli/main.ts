// zpg's entry point: parse, dispatch, and turn every failure into one line.
import { Command, CommanderError } from 'commander';
import { runDaemon, type DaemonFlags } from './commands/daemon.ts';
import { registerDemo } from './commands/demo.ts';
import { printClusters, registerList } from './commands/list.ts';
import { runDefault } from './commands/console.ts';
import { registerPending } from './commands/pending.ts';
import { registerRender } from './commands/render.ts';
import { registerSandbox } from './commands/sandbox.ts';
import { registerStatus } from './commands/status.ts';
import { registerHistory } from './commands/history.ts';
import { registerFailover } from './commands/failover.ts';
import { registerPatronictl } from './commands/patronictl.ts';
import { registerPause } from './commands/pause.ts';
import { registerPsql } from './commands/psql.ts';
import { registerRecreateMember } from './commands/recreate-member.ts';
import { registerReinit } from './commands/reinit.ts';
import { registerRestart } from './commands/restart.ts';
import { registerSwitchover } from './commands/switchover.ts';
import { registerBackups } from './commands/backups.ts';
import { registerBackup } from './commands/backup.ts';
import { registerRestore } from './commands/restore.ts';
import { SilentExit } from './task-command.ts';
import { formatError } from './errors.ts';
import { addGlobalFlags } from './global-flags.ts';

declare const ZPG_VERSION: string;

export function buildProgram(): Command {
  const program = addGlobalFlags(new Command('zpg'))
    .description('PostgreSQL clusters on Kubernetes, Zalando-compatible: console, operator and tools in one program')
    .version(typeof ZPG_VERSION === 'string' ? ZPG_VERSION : '0.0.0-dev', '--version', 'print the version')
    .option('--daemon', 'run the headless operator (zpg --daemon; see README "Running the operator")')
    .option('--port <n>', 'with --daemon: port for /healthz, /readyz and /metrics (default 8080, env ZPG_PORT)')
    .option('--config-map <name>', 'with --daemon: the operator ConfigMap in its namespace (env CONFIG_MAP_NAME)')
    .option('--operator-configuration <name>', 'with --daemon: an OperatorConfiguration instead (env POSTGRES_OPERATOR_CONFIGURATION_OBJECT)')
    .option('--watched-namespace <ns>', 'with --daemon: namespace to reconcile, * for all (env WATCHED_NAMESPACE)')
    .option('--read-only', 'look only: hide and refuse every action that changes a cluster (also: readOnly: true in ~/.config/zpg/config.yaml)')
    .showHelpAfterError('(run zpg --help for usage)')
    .exitOverride()
    .action(async (flags: { daemon?: boolean } & DaemonFlags, cmd: Command) => {
      if (flags.daemon) return runDaemon(cmd, flags);
      await runDefault(cmd, () => printClusters(cmd, 'table'));
    });
  registerDemo(program);
  registerList(program);
  registerStatus(program);
  registerHistory(program);
  registerSandbox(program);
  registerRender(program);
  registerPending(program);
  registerPsql(program);
  registerPatronictl(program);
  registerSwitchover(program);
  registerFailover(program);
  registerRestart(program);
  registerReinit(program);
  registerPause(program);
  registerRecreateMember(program);
  registerBackups(program);
  registerBackup(program);
  registerRestore(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2; // commander printed the message
    if (e instanceof SilentExit) return e.exitCode; // the task or the remote command already said why
    const { message, exitCode } = formatError(e);
    process.stderr.write(`zpg: ${message}\n`);
    return exitCode;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
