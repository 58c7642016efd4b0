import { type Logger, pino } from 'pino';

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
  destination?: NodeJS.WritableStream;
}

/** The one root logger; actors take `root.child({ actor: 'broker' })`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    (options.destination ?? process.stderr) as pino.DestinationStream,
  );
}

/** A logger that writes nothing, for tests that do not look at logs. */
export const silentLogger: Logger = pino({ level: 'silent' });
