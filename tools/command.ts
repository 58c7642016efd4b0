import { parseArgs, type ParseArgsConfig } from 'node:util';
import { paintFor } from './terminal.ts';

/** Exit codes every command shares, so scripts and the runbooks can rely on them. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  guardFailed: 3,
  leaseHeld: 4,
  /** `phoenix run`: the IB connection ended ESCALATED (S3.1), final until a person restarts the host; systemd must not (RestartPreventExitStatus=5). */
  escalated: 5,
} as const;

export interface CommandIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** The environment to build configuration from (tests pass their own). */
  env: Record<string, string | undefined>;
  cwd: string;
  /** Resolves when the operator asks the process to stop (SIGINT/SIGTERM). */
  signal: AbortSignal;
  /** Aborted when the reader of stdout or stderr went away (`phoenix status | head -1`): EPIPE. */
  outputClosed?: AbortSignal;
}

export interface Command {
  name: string;
  summary: string;
  /** Full --help text: usage line, options, examples. */
  help: string;
  /**
   * Changes nothing (status, replay, query, gates, config): when the reader of
   * its output goes away it stops at once. A command that changes something
   * finishes its work, its further output dropped: a halt is never cut short by a pipe.
   */
  readOnly?: boolean;
  run(argv: string[], io: CommandIo): Promise<number>;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * node:util parseArgs in strict mode, with its errors turned into a UsageError
 * whose message a person can act on.
 */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

export function writeLine(stream: NodeJS.WritableStream, text = ''): void {
  stream.write(`${text}\n`);
}

/** An error for the person: on a terminal, its `phoenix <command>:` head in red. */
export function writeError(io: Pick<CommandIo, 'stderr' | 'env'>, text: string): void {
  const paint = paintFor(io.stderr, io.env);
  const head = /^phoenix [a-z-]+(?: [a-z-]+)?:/.exec(text)?.[0];
  writeLine(io.stderr, head ? `${paint.bad(paint.strong(head))}${text.slice(head.length)}` : paint.bad(text));
}
