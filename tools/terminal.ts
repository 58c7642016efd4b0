import type { Config } from '../runtime/config/load.ts';
import { createLogger, type Logger } from '../runtime/logger.ts';

type Env = Record<string, string | undefined>;
type Stream = { isTTY?: boolean };

/**
 * Colour only for a person at a terminal: the stream written to is a TTY and
 * NO_COLOR is not set (https://no-color.org: any non-empty value).
 */
export function wantsColour(stream: Stream, env: Env): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

export interface Paint {
  good(text: string): string;
  bad(text: string): string;
  warn(text: string): string;
  strong(text: string): string;
}

const sgr = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;
const COLOURS: Paint = { good: sgr(32, 39), bad: sgr(31, 39), warn: sgr(33, 39), strong: sgr(1, 22) };
const PLAIN: Paint = { good: (t) => t, bad: (t) => t, warn: (t) => t, strong: (t) => t };

/** The CLI's verdict colours for one stream: green good, red bad, yellow for a person to look at. */
export function paintFor(stream: Stream, env: Env): Paint {
  return wantsColour(stream, env) ? COLOURS : PLAIN;
}

/** The logger a command runs with: LOG_LEVEL (or the command's own), LOG_FORMAT, and colour when stderr is a terminal. */
export function commandLogger(config: Config, env: Env, level: string = config.LOG_LEVEL): Logger {
  return createLogger({ level, format: config.LOG_FORMAT, colour: wantsColour(process.stderr, env) });
}
