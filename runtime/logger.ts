import { type Logger, pino } from 'pino';
import { prettyFactory } from 'pino-pretty';

export type { Logger } from 'pino';

/**
 * Paths pino masks wherever they appear, so a secret passed by mistake to a
 * log call still never reaches the output (S9, S14).
 */
export const REDACT_PATHS = [
  'APPROVAL_TOKEN_SECRET',
  'TELEGRAM_BOT_TOKEN',
  'EVENTSTORE_CONNECTION_STRING',
  'token',
  'secret',
  'password',
  '*.APPROVAL_TOKEN_SECRET',
  '*.TELEGRAM_BOT_TOKEN',
  '*.EVENTSTORE_CONNECTION_STRING',
  '*.token',
  '*.secret',
  '*.password',
];

export interface LoggerOptions {
  level?: string;
  /** Where to write; defaults to stderr so stdout stays free for command output. */
  destination?: NodeJS.WritableStream & { isTTY?: boolean };
  /** LOG_FORMAT: `pretty` for people, `json` for machines, `auto` (the default) pretty on a terminal. */
  format?: 'auto' | 'pretty' | 'json';
  /** Colour in pretty lines (the caller decides: a terminal, and no NO_COLOR). */
  colour?: boolean;
}

/**
 * The one root logger; actors take `root.child({ actor: 'broker' })`. A child's
 * key replaces its parent's (`actor: 'broker-connection'` under the broker's
 * child), so a line never repeats a key.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stderr;
  const format = options.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && destination.isTTY === true);
  return pino(
    {
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      onChild: replaceRepeatedBindings,
    },
    (pretty ? prettyStream(destination, options.colour ?? false) : destination) as pino.DestinationStream,
  );
}

/**
 * pino-pretty in this process and in step with each line (not a worker
 * transport): a short CLI run or a crash loses nothing, and tests wait for nothing.
 */
function prettyStream(destination: NodeJS.WritableStream, colour: boolean): pino.DestinationStream {
  const prettify = prettyFactory({
    colorize: colour,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,actor',
    messageFormat: '{if actor}{actor}: {end}{msg}',
  });
  return { write: (line: string) => void destination.write(prettify(line)) };
}

/** pino appends a child's bindings to its parent's; parsed, the later value of a key wins, and that is what is kept. */
function replaceRepeatedBindings(child: Logger): void {
  const holder = child as unknown as Record<symbol, string>;
  const text = holder[pino.symbols.chindingsSym] ?? '';
  if (text === '') return;
  const bindings = JSON.parse(`{${text.slice(1)}}`) as Record<string, unknown>;
  holder[pino.symbols.chindingsSym] = Object.entries(bindings)
    .map(([key, value]) => `,${JSON.stringify(key)}:${JSON.stringify(value)}`)
    .join('');
}

/** A logger that writes nothing, for tests that do not look at logs. */
export const silentLogger: Logger = pino({ level: 'silent' });
