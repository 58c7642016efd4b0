import { ConfigError } from '../runtime/config/load.ts';
import { resolve } from 'node:path';
import { DotenvError, readDotenv } from '../runtime/config/dotenv.ts';
import { PHOENIX_VERSION } from '../actors/host/version.ts';
import { LogUnavailableError } from '../store/errors.ts';
import { type Command, type CommandIo, EXIT, UsageError, wantsHelp, writeError, writeLine } from './command.ts';
import { approveCommand } from './commands/approve.ts';
import { bunnyCommand } from './commands/bunny.ts';
import { closeCommand } from './commands/close.ts';
import { configCommand } from './commands/configCheck.ts';
import { gatesCommand } from './commands/gates.ts';
import { drillCommand } from './commands/drill.ts';
import { gatewaySimCommand } from './commands/gatewaySim.ts';
import { haltCommand } from './commands/halt.ts';
import { mockCseCommand } from './commands/mockCse.ts';
import { queryCommand } from './commands/query.ts';
import { rejectCommand } from './commands/reject.ts';
import { replayCommand } from './commands/replay.ts';
import { resumeCommand } from './commands/resume.ts';
import { runCommand } from './commands/run.ts';
import { statusCommand } from './commands/status.ts';
import { telegramSimCommand } from './commands/telegramSim.ts';
import { telegramTestCommand } from './commands/telegramTest.ts';
import { watchdogCommand } from './commands/watchdog.ts';

/** Every command of the CLI (S9). Each has --help. */
export const COMMANDS: Command[] = [
  runCommand,
  watchdogCommand,
  mockCseCommand,
  replayCommand,
  queryCommand,
  telegramTestCommand,
  approveCommand,
  rejectCommand,
  gatesCommand,
  closeCommand,
  configCommand,
  gatewaySimCommand,
  telegramSimCommand,
  statusCommand,
  haltCommand,
  resumeCommand,
  drillCommand,
  bunnyCommand,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: phoenix <command> [options]',
    '       phoenix --version',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'phoenix <command> --help' for a command's options.",
  ].join('\n');
}

/**
 * The process's own streams and signals. A closed pipe (`phoenix status |
 * head -1`) is handled here, once: EPIPE on stdout or stderr is no stack
 * trace, it aborts `outputClosed`, and what is still written is dropped.
 */
function processIo(): CommandIo {
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
export async function runAsProcess(argv: string[]): Promise<number> {
  let io: CommandIo;
  try {
    io = processIo();
  } catch (err) {
    if (!(err instanceof DotenvError)) throw err;
    process.stderr.write(`phoenix: ${err.message}\n`);
    return EXIT.usage;
  }
  const code = await main(argv, io);
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
export async function main(argv: string[], io: CommandIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeLine(name === undefined ? io.stderr : io.stdout, usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    writeLine(io.stdout, `phoenix ${PHOENIX_VERSION}`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    writeError(io, `phoenix: unknown command ${JSON.stringify(name)}`);
    writeLine(io.stderr, `\n${usage()}`);
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
