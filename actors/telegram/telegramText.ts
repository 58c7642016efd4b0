/**
 * Every text Phoenix hands the Bot API passes through here (the chat client
 * calls it on every send, edit and callback answer), so no message is ever
 * refused for its size and the phone never loses a reply. Telegram's limits
 * (the stand-in's botApiLimits.ts enforces the same): a message text of 1 to
 * 4096 characters, a callback answer of at most 200. Telegram counts UTF-16
 * units at most, so `.length` is the safe measure, and no cut ever splits a
 * surrogate pair.
 */

export const MESSAGE_MAX_CHARS = 4096;
export const CALLBACK_ANSWER_MAX_CHARS = 200;

/** How much of a person's free text (a halt or resume reason) a message repeats before pointing at the log. */
export const REASON_MAX_CHARS = 300;

const CUT_NOTE = '\n… (cut to fit one Telegram message)';
/** "(99/99) ": the widest part label we plan for. */
const PART_LABEL_WIDTH = '(99/99) '.length;

/** Cuts to at most `end` units without leaving half a surrogate pair at the end. */
export function sliceSafe(text: string, end: number): string {
  if (end >= text.length) return text;
  const last = text.charCodeAt(end - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? end - 1 : end);
}

/** Telegram refuses an empty text; an empty reply still says something happened. */
function nonEmpty(text: string): string {
  return text.trim().length === 0 ? '(empty)' : text;
}

/** One message: the text as it is when it fits, else its head and a note that it was cut. */
export function fitMessage(text: string, max = MESSAGE_MAX_CHARS): string {
  const body = nonEmpty(text);
  if (body.length <= max) return body;
  return sliceSafe(body, max - CUT_NOTE.length) + CUT_NOTE;
}

/**
 * A long text as several messages, each at most `max` and labelled "(i/n)",
 * cut at a line break where one is near, else at a space, else anywhere
 * (never inside a surrogate pair). A text that fits is one message, unlabelled.
 */
export function splitMessage(text: string, max = MESSAGE_MAX_CHARS): string[] {
  const body = nonEmpty(text);
  if (body.length <= max) return [body];
  const budget = max - PART_LABEL_WIDTH;
  const chunks: string[] = [];
  let rest = body;
  while (rest.length > budget) {
    let cut = rest.lastIndexOf('\n', budget);
    if (cut < budget / 2) cut = rest.lastIndexOf(' ', budget);
    if (cut < budget / 2) cut = sliceSafe(rest, budget).length;
    chunks.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^[\n ]/, '');
  }
  if (rest.length > 0) chunks.push(rest);
  return chunks.map((chunk, i) => `(${i + 1}/${chunks.length}) ${nonEmpty(chunk)}`);
}

/** A callback answer (the toast or alert on the phone): at most 200 characters. */
export function fitAnswer(text: string): string {
  if (text.length <= CALLBACK_ANSWER_MAX_CHARS) return text;
  return `${sliceSafe(text, CALLBACK_ANSWER_MAX_CHARS - 1)}…`;
}

/**
 * A person's free text shortened for a message, saying how long it was and
 * where the whole of it is kept: "wrong size on EURUSD, the desk… (4210
 * characters; in full: phoenix replay --stream killswitch)".
 */
export function shortReason(reason: string, whereInFull: string, max = REASON_MAX_CHARS): string {
  if (reason.length <= max) return reason;
  return `${sliceSafe(reason, max)}… (${reason.length} characters; in full: ${whereInFull})`;
}

/** A line of someone else's making (a kill-switch description, an error) cut to `max`, pointing at the full text. */
export function shortLine(line: string, whereInFull: string, max = 2 * REASON_MAX_CHARS): string {
  return line.length <= max ? line : `${sliceSafe(line, max)}… (in full: ${whereInFull})`;
}
