// zpg's entry point: parse, dispatch, and turn every failure into one line.
import { Command, CommanderError } from 'commander';
import { registerDemo } from './commands/demo.ts';
import { printClusters, registerList } from './commands/list.ts';
import { runDefault } from './commands/console.ts';
import { registerPending } from './commands/pending.ts';
import { registerRender } from './commands/render.ts';
import { registerSandbox } from './commands/sandbox.ts';
import { registerStatus } from './commands/status.ts';
import { NotImplementedError, formatError } from './errors.ts';
import { addGlobalFlags } from './global-flags.ts';

declare const ZPG_VERSION: string;

export function buildProgram(): Command {
  const program = addGlobalFlags(new Command('zpg'))
    .description('PostgreSQL clusters on Kubernetes, Zalando-compatible: console, operator and tools in one program')
    .version(typeof ZPG_VERSION === 'string' ? ZPG_VERSION : '0.0.0-dev', '--version', 'print the version')
    .option('--daemon', 'run the headless operator')
    .showHelpAfterError('(run zpg --help for usage)')
    .exitOverride()
    .action(async (flags: { daemon?: boolean }, cmd: Command) => {
      if (flags.daemon) throw new NotImplementedError('zpg --daemon (the operator)');
      await runDefault(cmd, () => printClusters(cmd, 'table'));
    });
  registerDemo(program);
  registerList(program);
  registerStatus(program);
  registerSandbox(program);
  registerRender(program);
  registerPending(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2; // commander printed the message
    const { message, exitCode } = formatError(e);
    process.stderr.write(`zpg: ${message}\n`);
    return exitCode;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
