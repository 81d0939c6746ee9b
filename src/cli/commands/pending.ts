// Commands whose work lands in later issues. They are listed so `--help`
// shows the whole shape of zpg, and each one says it is not built yet.
import type { Command } from 'commander';
import { NotImplementedError } from '../errors.ts';

// Empty for now: backup, restore and clone were built (zpg backup logical, zpg restore logical|clone).
const PENDING: [name: string, description: string][] = [];

export function registerPending(program: Command): void {
  for (const [spec, description] of PENDING) {
    const name = spec.split(' ')[0];
    program
      .command(spec)
      .description(`${description} (not implemented yet)`)
      .allowUnknownOption()
      .helpOption(false)
      .action(() => {
        throw new NotImplementedError(`zpg ${name}`);
      });
  }
}
