import { ConfigError } from '../actors/config/load.ts';
import { DotenvError } from '../actors/config/dotenv.ts';
import { type Command, type CommandIo, EXIT, UsageError, wantsHelp, writeLine } from './command.ts';
import { approveCommand } from './commands/approve.ts';
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
  statusCommand,
  haltCommand,
  resumeCommand,
  drillCommand,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: phoenix <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'phoenix <command> --help' for a command's options.",
  ].join('\n');
}

function defaultIo(): CommandIo {
  const controller = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => controller.abort(sig));
  }
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd(), signal: controller.signal };
}

/**
 * Runs one command and returns its exit code. Bad input of any kind (usage,
 * configuration, .env) ends as a clear message and an exit code, not a stack.
 */
export async function main(argv: string[], io: CommandIo = defaultIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeLine(name === undefined ? io.stderr : io.stdout, usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    writeLine(io.stderr, `phoenix: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return EXIT.usage;
  }
  if (wantsHelp(rest)) {
    writeLine(io.stdout, command.help);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      writeLine(io.stderr, `phoenix ${name}: ${err.message}\nRun 'phoenix ${name} --help' for usage.`);
      return EXIT.usage;
    }
    if (err instanceof ConfigError || err instanceof DotenvError) {
      writeLine(io.stderr, `phoenix ${name}: ${err.message}`);
      return EXIT.usage;
    }
    throw err;
  }
}
