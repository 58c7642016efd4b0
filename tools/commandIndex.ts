import type { Command } from './command.ts';

/**
 * Where each command lives, so that `phoenix <command>` loads only that
 * command's code: the whole CLI imports everything Phoenix has and costs
 * about a second more to start, which every CLI call in a test, a runbook or
 * a script would pay. The registry itself is COMMANDS in tools/cli.ts; a test
 * (test/tools/cli.test.ts) holds this index to it, name by name.
 */
export const COMMAND_LOADERS: Readonly<Record<string, () => Promise<Command>>> = {
  run: async () => (await import('./commands/run.ts')).runCommand,
  watchdog: async () => (await import('./commands/watchdog.ts')).watchdogCommand,
  'mock-cse': async () => (await import('./commands/mockCse.ts')).mockCseCommand,
  replay: async () => (await import('./commands/replay.ts')).replayCommand,
  query: async () => (await import('./commands/query.ts')).queryCommand,
  telegram: async () => (await import('./commands/telegramTest.ts')).telegramTestCommand,
  approve: async () => (await import('./commands/approve.ts')).approveCommand,
  reject: async () => (await import('./commands/reject.ts')).rejectCommand,
  gates: async () => (await import('./commands/gates.ts')).gatesCommand,
  close: async () => (await import('./commands/close.ts')).closeCommand,
  config: async () => (await import('./commands/configCheck.ts')).configCommand,
  'gateway-sim': async () => (await import('./commands/gatewaySim.ts')).gatewaySimCommand,
  'telegram-sim': async () => (await import('./commands/telegramSim.ts')).telegramSimCommand,
  status: async () => (await import('./commands/status.ts')).statusCommand,
  halt: async () => (await import('./commands/halt.ts')).haltCommand,
  resume: async () => (await import('./commands/resume.ts')).resumeCommand,
  drill: async () => (await import('./commands/drill.ts')).drillCommand,
  bunny: async () => (await import('./commands/bunny.ts')).bunnyCommand,
  promote: async () => (await import('./commands/promote.ts')).promoteCommand,
  alerts: async () => (await import('./commands/alerts.ts')).alertsCommand,
  operator: async () => (await import('./commands/operatorEnroll.ts')).operatorCommand,
};
