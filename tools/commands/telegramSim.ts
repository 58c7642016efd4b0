import { TELEGRAM_SIM_USAGE, telegramSimMain } from '../telegram-sim/cli.ts';
import type { Command } from '../command.ts';

/** `phoenix telegram-sim`: the Telegram Bot API stand-in as its own process, for drills, bunny and tests (S7.2, S10). */
export const telegramSimCommand: Command = {
  name: 'telegram-sim',
  summary: 'run the Telegram Bot API stand-in (with its fault switches) for drills and tests',
  help: TELEGRAM_SIM_USAGE,
  run: (argv) => telegramSimMain(argv),
};
