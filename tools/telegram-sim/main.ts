/** Process entry of the Bot API stand-in: `node bin/run-ts.mjs tools/telegram-sim/main.ts --port 0 --control-port 0`. */
import { telegramSimMain } from './cli.ts';

process.exitCode = await telegramSimMain(process.argv.slice(2));
