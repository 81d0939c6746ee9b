// The user's own defaults for zpg, from $ZPG_CONFIG, else
// $XDG_CONFIG_HOME/zpg/config.yaml, else ~/.config/zpg/config.yaml. Today it
// holds one key: `readOnly: true` makes every session read-only, as
// `zpg --read-only` does (a bastion shared by on-call and auditors).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface UserConfig {
  readOnly: boolean;
  /** the file read, when one exists */
  file?: string;
}

export class UserConfigError extends Error {}

export function userConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ZPG_CONFIG) return env.ZPG_CONFIG;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'zpg', 'config.yaml');
}

/** The YAML library only when there is a file: most machines have none, and bundled it is a quarter MB for `zpg psql` to load. */
const yaml = () => createRequire(import.meta.url)('yaml') as typeof import('yaml');

export function loadUserConfig(env: NodeJS.ProcessEnv = process.env): UserConfig {
  const file = userConfigPath(env);
  if (!existsSync(file)) return { readOnly: false };
  let doc: unknown;
  try {
    doc = yaml().parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserConfigError(`${file}: not YAML (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
  if (doc === null || doc === undefined) return { readOnly: false, file };
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new UserConfigError(`${file}: expected a mapping such as "readOnly: true"`);
  const ro = (doc as Record<string, unknown>).readOnly;
  if (ro !== undefined && typeof ro !== 'boolean') throw new UserConfigError(`${file}: readOnly must be true or false, not ${JSON.stringify(ro)}`);
  return { readOnly: ro === true, file };
}
