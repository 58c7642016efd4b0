/**
 * Every text Phoenix sends must pass the Bot API's limits, whatever a person
 * typed: random lengths (around and far past 4096 and 200) and any unicode,
 * astral characters included. The oracle is the stand-in's own limit check
 * (botApiLimits.ts, Telegram's rules). FC_SEED replays a run; the seed is
 * printed either way.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CALLBACK_ANSWER_MAX_CHARS, fitAnswer, fitMessage, MESSAGE_MAX_CHARS, shortReason, splitMessage } from '../../actors/telegram/telegramText.ts';
import { answerProblem, textProblem } from '../../tools/telegram-sim/botApiLimits.ts';

const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
console.info(`telegramText properties: fast-check seed ${seed} (FC_SEED=${seed} replays it)`);

/** Half a surrogate pair on its own: what a careless cut leaves, and what Telegram would garble. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Any unicode, in runs whose length lands anywhere from empty to three messages' worth. */
const text: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc
    .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 3_000 }), fc.constantFrom('', ' ', '\n', '🙂'))
    .map(([unit, times, sep]) => Array.from({ length: times }, () => unit).join(sep)),
  fc.integer({ min: MESSAGE_MAX_CHARS - 3, max: MESSAGE_MAX_CHARS + 3 }).chain((n) => fc.constantFrom('x'.repeat(n), `${'x'.repeat(n - 1)}😀`, '😀'.repeat(n >> 1))),
);

const options = { seed, numRuns: 300, verbose: 1 } as const;

describe('Telegram texts within the Bot API limits (property)', () => {
  it('fitMessage: one message Telegram takes; a text that fits is sent as it is', () => {
    fc.assert(
      fc.property(text, (t) => {
        const fitted = fitMessage(t);
        expect(textProblem(fitted)).toBeUndefined();
        if (t.trim().length > 0 && t.length <= MESSAGE_MAX_CHARS) expect(fitted).toBe(t);
        if (!LONE_SURROGATE.test(t)) expect(LONE_SURROGATE.test(fitted)).toBe(false);
      }),
      options,
    );
  });

  it('splitMessage: every part Telegram takes, labelled in order, and nothing of the text lost', () => {
    fc.assert(
      fc.property(text, (t) => {
        const parts = splitMessage(t);
        for (const part of parts) expect(textProblem(part)).toBeUndefined();
        if (t.trim().length > 0 && t.length <= MESSAGE_MAX_CHARS) {
          expect(parts).toEqual([t]);
          return;
        }
        if (parts.length === 1) return;
        const bodies = parts.map((p, i) => {
          const label = `(${i + 1}/${parts.length}) `;
          expect(p.startsWith(label)).toBe(true);
          return p.slice(label.length);
        });
        // A cut may drop the one line break or space it was made at, nothing else.
        const squeeze = (s: string) => s.replace(/[\n ]/g, '');
        expect(squeeze(bodies.join(''))).toBe(squeeze(t));
        if (!LONE_SURROGATE.test(t)) for (const b of bodies) expect(LONE_SURROGATE.test(b)).toBe(false);
      }),
      options,
    );
  });

  it('fitAnswer: a callback answer of at most 200 characters', () => {
    fc.assert(
      fc.property(text, (t) => {
        const answer = fitAnswer(t);
        expect(answerProblem(answer)).toBeUndefined();
        expect(answer.length).toBeLessThanOrEqual(CALLBACK_ANSWER_MAX_CHARS);
        if (t.length <= CALLBACK_ANSWER_MAX_CHARS) expect(answer).toBe(t);
      }),
      options,
    );
  });

  it('shortReason: a long reason keeps its head and says where the whole of it is', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 20, max: 500 }), (reason, max) => {
        const where = 'phoenix replay --stream killswitch';
        const short = shortReason(reason, where, max);
        if (reason.length <= max) {
          expect(short).toBe(reason);
          return;
        }
        expect(short.length).toBeLessThanOrEqual(max + 1 + ` (${reason.length} characters; in full: ${where})`.length);
        expect(short.endsWith(`(${reason.length} characters; in full: ${where})`)).toBe(true);
        expect(reason.startsWith(short.slice(0, short.indexOf('… (') >= 0 ? short.lastIndexOf('… (') : 0))).toBe(true);
        if (!LONE_SURROGATE.test(reason)) expect(LONE_SURROGATE.test(short)).toBe(false);
      }),
      options,
    );
  });
});
