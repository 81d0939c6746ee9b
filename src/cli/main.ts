// zpg's entry point: parse, dispatch, and turn every failure into one line.
// Commands register lazily: `zpg list` loads list's module only, not the 20 others and what they import
// (start-up is most of a one-shot command's time). `--help`, `help`, unknown commands and anything the
// scan below is unsure of register every command, so help and commander's errors read as before.
import { Command, CommanderError } from 'commander';
import type { DaemonFlags } from './commands/daemon.ts';
import { formatError } from './errors.ts';
import { addGlobalFlags } from './global-flags.ts';

declare const ZPG_VERSION: string;

type Register = (program: Command) => unknown;

/** Every command by name, in `zpg --help` order; a module may register several (pause and resume). */
const COMMANDS: [names: string[], load: () => Promise<Register>][] = [
  [['demo'], async () => (await import('./commands/demo.ts')).registerDemo],
  [['list'], async () => (await import('./commands/list.ts')).registerList],
  [['status'], async () => (await import('./commands/status.ts')).registerStatus],
  [['history'], async () => (await import('./commands/history.ts')).registerHistory],
  [['sandbox'], async () => (await import('./commands/sandbox.ts')).registerSandbox],
  [['render'], async () => (await import('./commands/render.ts')).registerRender],
  [[], async () => (await import('./commands/pending.ts')).registerPending],
  [['psql'], async () => (await import('./commands/psql.ts')).registerPsql],
  [['patronictl'], async () => (await import('./commands/patronictl.ts')).registerPatronictl],
  [['switchover'], async () => (await import('./commands/switchover.ts')).registerSwitchover],
  [['failover'], async () => (await import('./commands/failover.ts')).registerFailover],
  [['restart'], async () => (await import('./commands/restart.ts')).registerRestart],
  [['reinit'], async () => (await import('./commands/reinit.ts')).registerReinit],
  [['pause', 'resume'], async () => (await import('./commands/pause.ts')).registerPause],
  [['recreate-member'], async () => (await import('./commands/recreate-member.ts')).registerRecreateMember],
  [['backups'], async () => (await import('./commands/backups.ts')).registerBackups],
  [['backup'], async () => (await import('./commands/backup.ts')).registerBackup],
  [['restore'], async () => (await import('./commands/restore.ts')).registerRestore],
];

function baseProgram(): Command {
  return addGlobalFlags(new Command('zpg'))
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
      if (flags.daemon) return (await import('./commands/daemon.ts')).runDaemon(cmd, flags);
      const [{ runDefault }, { printClusters }] = await Promise.all([import('./commands/console.ts'), import('./commands/list.ts')]);
      await runDefault(cmd, () => printClusters(cmd, 'table'));
    });
}

/**
 * The command argv names, read with the program's own options: `{ command }`, `none` (options only: the
 * console or the daemon), or `unsure` (help, `--`, an option the program does not know, bundled short flags).
 */
export function commandIn(program: Command, argv: string[]): { command: string } | 'none' | 'unsure' {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return 'unsure';
    if (!a.startsWith('-') || a === '-') return { command: a };
    const long = a.startsWith('--');
    if (!long && a.length !== 2) return 'unsure';
    const flag = long ? a.split('=')[0] : a;
    const opt = program.options.find((o) => (long ? o.long === flag : o.short === flag));
    if (!opt || opt.optional) return 'unsure';
    if (opt.required && !(long && a.includes('='))) i++; // its value, whatever it looks like
  }
  return 'none';
}

export async function buildProgram(argv: string[]): Promise<Command> {
  const program = baseProgram();
  const found = commandIn(program, argv);
  if (found === 'none') return program;
  const one = found !== 'unsure' ? COMMANDS.find(([names]) => names.includes(found.command)) : undefined;
  const registers = await Promise.all((one ? [one] : COMMANDS).map(([, load]) => load()));
  for (const register of registers) register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2; // commander printed the message
    const { SilentExit } = await import('./task-command.ts');
    if (e instanceof SilentExit) return e.exitCode; // the task or the remote command already said why
    const { message, exitCode } = formatError(e);
    process.stderr.write(`zpg: ${message}\n`);
    return exitCode;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
