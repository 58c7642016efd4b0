/**
 * The CLI's dispatch, given the commands it knows: help, --version, the
 * command's --help, and the one rule for bad input (usage, configuration,
 * .env, an unusable log end as a clear message and an exit code, never a
 * stack). tools/cli.ts gives it every command; a process started as
 * `phoenix <command>` gives it only the one it runs (tools/commandIndex.ts).
 */
import { ConfigError } from '../runtime/config/load.ts';
import { resolve } from 'node:path';
import { DotenvError, readDotenv } from '../runtime/config/dotenv.ts';
import { PHOENIX_VERSION } from '../actors/host/version.ts';
import { LogUnavailableError } from '../store/errors.ts';
import { type Command, type CommandIo, EXIT, UsageError, wantsHelp, writeError, writeLine } from './command.ts';



function usage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: phoenix <command> [options]',
    '       phoenix --version',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'phoenix <command> --help' for a command's options.",
  ].join('\n');
}

/**
 * The process's own streams and signals. A closed pipe (`phoenix status |
 * head -1`) is handled here, once: EPIPE on stdout or stderr is no stack
 * trace, it aborts `outputClosed`, and what is still written is dropped.
 */
export function processIo(): CommandIo {
  const controller = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => controller.abort(sig));
  }
  const closed = new AbortController();
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      closed.abort(err.code);
    });
  }
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: processEnv(), cwd: process.cwd(), signal: controller.signal, outputClosed: closed.signal };
}

/** The process's environment over `.env` (or PHOENIX_ENV_FILE): the environment wins, as the README says. */
function processEnv(): Record<string, string | undefined> {
  return { ...readDotenv(resolve(process.cwd(), process.env.PHOENIX_ENV_FILE ?? '.env')), ...process.env };
}

/** `bin/phoenix.mjs`: runs one command as this process; a read-only command whose reader went away ends at once. */
export async function runAsProcess(argv: string[], commandsFor: (name: string | undefined) => Promise<readonly Command[]>): Promise<number> {
  let io: CommandIo;
  try {
    io = processIo();
  } catch (err) {
    if (!(err instanceof DotenvError)) throw err;
    process.stderr.write(`phoenix: ${err.message}\n`);
    return EXIT.usage;
  }
  const code = await runMain(argv, io, await commandsFor(argv[0]));
  if (io.outputClosed?.aborted) process.exit(code);
  return code;
}

/** Resolves when the reader of the output goes away; never, when nobody can tell. */
function whenOutputCloses(io: CommandIo): Promise<number> {
  return new Promise((resolve) => {
    const closed = io.outputClosed;
    if (!closed) return;
    if (closed.aborted) resolve(EXIT.ok);
    closed.addEventListener('abort', () => resolve(EXIT.ok), { once: true });
  });
}

/**
 * Runs one command and returns its exit code. Bad input of any kind (usage,
 * configuration, .env) and a log that cannot be used end as a clear message
 * and an exit code, not a stack.
 */
export async function runMain(argv: string[], io: CommandIo, commands: readonly Command[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeLine(name === undefined ? io.stderr : io.stdout, usage(commands));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    writeLine(io.stdout, `phoenix ${PHOENIX_VERSION}`);
    return EXIT.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    writeError(io, `phoenix: unknown command ${JSON.stringify(name)}`);
    writeLine(io.stderr, `\n${usage(commands)}`);
    return EXIT.usage;
  }
  if (wantsHelp(rest)) {
    writeLine(io.stdout, command.help);
    return EXIT.ok;
  }
  try {
    const running = command.run(rest, io);
    if (command.readOnly) running.catch(() => undefined); // once the reader is gone, a late failure has no one to tell
    return await (command.readOnly ? Promise.race([running, whenOutputCloses(io)]) : running);
  } catch (err) {
    if (err instanceof UsageError) {
      writeError(io, `phoenix ${name}: ${err.message}`);
      writeLine(io.stderr, `Run 'phoenix ${name} --help' for usage.`);
      return EXIT.usage;
    }
    if (err instanceof ConfigError || err instanceof DotenvError) {
      writeError(io, `phoenix ${name}: ${err.message}`);
      return EXIT.usage;
    }
    if (err instanceof LogUnavailableError) {
      const what = /event log/.test(err.message) ? err.message : `the event log is unavailable: ${err.message}`;
      writeError(io, `phoenix ${name}: ${what.replace(/\s*\n\s*/g, ' ')}`);
      return EXIT.failure;
    }
    throw err;
  }
}
