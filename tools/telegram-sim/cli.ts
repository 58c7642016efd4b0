/**
 * `phoenix telegram-sim`: the Bot API stand-in as its own process, until
 * SIGINT or SIGTERM (exit 0). On start it prints exactly one JSON line to
 * stdout, which is how bunny, tests and scripts learn the ports it got.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { BotApiSim } from './botApi.ts';
import { TelegramSimControl } from './control.ts';

export const TELEGRAM_SIM_USAGE = `Usage: phoenix telegram-sim --port P [--control-port C] [--token TOKEN]

A Telegram Bot API stand-in for drills and tests, on 127.0.0.1 only. Point
Phoenix at it with TELEGRAM_API_ROOT=http://127.0.0.1:P. It speaks the Bot
API envelope for getMe, sendMessage, editMessageText, answerCallbackQuery,
getUpdates (long polling with offsets) and deleteWebhook, and refuses what
api.telegram.org refuses: a text over 4096 characters, callback_data over 64
bytes, an answerCallbackQuery text over 200 characters, a reply_markup that
is not a keyboard object.

  --port P          the Bot API port (0 = any free port)
  --control-port C  HTTP control channel (0 = any free port; none if omitted)
  --token TOKEN     the only bot token accepted (default: any well-formed token)
  --help            this text

Control channel (JSON):
  GET  /state            what the API received: calls, messages, edits, answers
  POST /fail             {"kind":"429","retryAfter":5} | {"kind":"hang"} |
                         {"kind":"5xx","status":502} | {"kind":"refused"};
                         optional "methods":[...] and "times":N (not for refused)
  POST /clear            every fault off, the API port listening again
  POST /inject-message   {"chatId":…,"userId":…,"text":"/status"}
  POST /inject-callback  {"chatId":…,"userId":…,"data":"…","messageId":…}

Prints one line when listening:
  {"event":"listening","port":...,"controlPort":...,"pid":...}`;

const EXIT_USAGE = 2;

const port = (name: string) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a port number`)
    .transform(Number)
    .pipe(z.number().int().max(65535, `${name} must be at most 65535`));

const ArgsSchema = z.object({
  port: port('--port'),
  'control-port': port('--control-port').optional(),
  token: z.string().regex(/^\d+:[A-Za-z0-9_-]{20,}$/, '--token must look like a Bot API token, e.g. 123456:ABC…').optional(),
});

export async function telegramSimMain(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, strict: true, options: { port: { type: 'string' }, 'control-port': { type: 'string' }, token: { type: 'string' }, help: { type: 'boolean' } } }).values;
  } catch (err) {
    process.stderr.write(`telegram-sim: ${(err as Error).message}\n\n${TELEGRAM_SIM_USAGE}\n`);
    return EXIT_USAGE;
  }
  if (values.help) {
    process.stdout.write(`${TELEGRAM_SIM_USAGE}\n`);
    return 0;
  }
  const parsed = ArgsSchema.safeParse(values);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => (i.code === 'invalid_type' && i.input === undefined ? `--${i.path.join('.')} is required` : i.message)).join('; ');
    process.stderr.write(`telegram-sim: ${why}\n\n${TELEGRAM_SIM_USAGE}\n`);
    return EXIT_USAGE;
  }
  const a = parsed.data;
  let api: BotApiSim | undefined;
  let control: TelegramSimControl | undefined;
  try {
    api = await BotApiSim.start({ port: a.port, ...(a.token ? { token: a.token } : {}) });
    if (a['control-port'] !== undefined) {
      control = new TelegramSimControl(api, a['control-port']);
      await control.listen();
    }
  } catch (err) {
    process.stderr.write(`telegram-sim: cannot listen: ${(err as Error).message}\n`);
    await api?.close();
    return 1;
  }
  process.stdout.write(`${JSON.stringify({ event: 'listening', port: api.apiPort, controlPort: control?.boundPort ?? null, pid: process.pid })}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await control?.close();
  await api.close();
  return 0;
}
