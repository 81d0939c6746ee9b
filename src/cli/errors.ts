// Errors the CLI shows as one clear line and an exit code, never a stack trace.

export class UsageError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Commands that later work will build: they say so and exit 2, never a fake success. */
export class NotImplementedError extends UsageError {
  constructor(what: string) {
    super(`${what} is not implemented yet`, 2);
  }
}

export function formatError(e: unknown): { message: string; exitCode: number } {
  if (e instanceof UsageError) return { message: e.message, exitCode: e.exitCode };
  if (e instanceof Error) return { message: e.message, exitCode: 1 };
  return { message: String(e), exitCode: 1 };
}
