// `kubectl exec -it`: the command gets a real terminal, so psql and shells
// prompt, echo and edit lines as in a container. Node has no pty of its own;
// util-linux's `script` (Debian's essential bsdutils) opens one, runs the
// command in it, and returns its exit code (-e).

/** What a resize message (channel 4) carries: the client's terminal size. */
export interface TerminalSize {
  Width: number;
  Height: number;
}

export function parseSize(payload: Buffer): TerminalSize | undefined {
  try {
    const s = JSON.parse(payload.toString('utf8')) as Partial<TerminalSize>;
    return Number.isInteger(s.Width) && Number.isInteger(s.Height) ? { Width: s.Width!, Height: s.Height! } : undefined;
  } catch {
    return undefined;
  }
}

const quote = (arg: string) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** The command under `script`, its terminal sized as the client's (later resizes are not followed). */
export function inTerminal(command: string[], size: TerminalSize | undefined): [string, string[]] {
  const stty = size ? `stty rows ${size.Height} cols ${size.Width} 2>/dev/null; ` : '';
  return ['script', ['-q', '-f', '-e', '-c', `${stty}exec ${command.map(quote).join(' ')}`, '/dev/null']];
}
