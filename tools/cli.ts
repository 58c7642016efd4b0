import type { Command, CommandIo } from './command.ts';
import { alertsCommand } from './commands/alerts.ts';
import { approveCommand } from './commands/approve.ts';
import { bunnyCommand } from './commands/bunny.ts';
import { closeCommand } from './commands/close.ts';
import { configCommand } from './commands/configCheck.ts';
import { drillCommand } from './commands/drill.ts';
import { gatesCommand } from './commands/gates.ts';
import { gatewaySimCommand } from './commands/gatewaySim.ts';
import { haltCommand } from './commands/halt.ts';
import { mockCseCommand } from './commands/mockCse.ts';
import { operatorCommand } from './commands/operatorEnroll.ts';
import { promoteCommand } from './commands/promote.ts';
import { queryCommand } from './commands/query.ts';
import { rejectCommand } from './commands/reject.ts';
import { replayCommand } from './commands/replay.ts';
import { resumeCommand } from './commands/resume.ts';
import { runCommand } from './commands/run.ts';
import { statusCommand } from './commands/status.ts';
import { telegramSimCommand } from './commands/telegramSim.ts';
import { telegramTestCommand } from './commands/telegramTest.ts';
import { watchdogCommand } from './commands/watchdog.ts';
import { processIo, runMain } from './cliMain.ts';

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
  operatorCommand,
  promoteCommand,
  alertsCommand,
];

/** Runs one command in this process (the tests' entry); a process started from bin/phoenix.mjs loads only its command. */
export function main(argv: string[], io: CommandIo = processIo()): Promise<number> {
  return runMain(argv, io, COMMANDS);
}
