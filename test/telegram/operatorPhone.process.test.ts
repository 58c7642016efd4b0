/**
 * Issue 18, the operator's phone, end to end: `phoenix run` (mock broker) and
 * `phoenix telegram-sim` each as its own process, the real Telegram client
 * between them. What the operator would notice: a reason of thousands of
 * characters never makes the bot go quiet (every text passes the Bot API's
 * limits, and points at the full reason in the log); a reply the Bot API
 * refuses with 429 or a 5xx still arrives; and one reply stuck at the API
 * does not hold up the next command. TIME_SCALE 0.2: a reply's 5 s deadline
 * is 1 s here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bead } from '../../beads/index.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import type { TelegramSim } from '../../tools/bunny/standIns.ts';
import { type RunningPhoenix, startPhoenix } from '../support/phoenixProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { livePolling, messageMatching, press, say, type SimMessage, startTelegramSim, telegramEnv, waitForState } from './telegramSupport.ts';

const SCALE = 0.2;
let tg: TelegramSim;
let host: RunningPhoenix;
let home: ReturnType<typeof makeTempDir>;

beforeAll(async () => {
  home = makeTempDir('phoenix-phone');
  tg = await startTelegramSim();
  host = startPhoenix(['run'], { PHOENIX_HOME: home.dir, LOG_LEVEL: 'warn', TIME_SCALE: String(SCALE), ...telegramEnv(tg) });
  await host.waitForOutput(/running in MOCK mode/, 30_000);
  await livePolling(tg);
}, 60_000);

afterAll(async () => {
  host?.child.kill('SIGTERM');
  await host?.done;
  await tg?.stop();
  home?.remove();
});

async function beads(): Promise<Bead[]> {
  const log = new SqliteEventLog(defaultLogPath(home.dir), { readonly: true });
  const out: Bead[] = [];
  for await (const e of log.readAll()) if (e.kind === 'bead') out.push(e.bead);
  await log.close();
  return out;
}

/** Presses the first button of `question` and waits for the outcome edited into it. */
async function confirm(question: SimMessage): Promise<string> {
  const data = (question.reply_markup as { inline_keyboard: { callback_data: string }[][] }).inline_keyboard[0]![0]!.callback_data;
  await press(tg, question.message_id, data);
  const edit = await waitForState(tg, (s) => s.edits.find((e) => e.message_id === question.message_id), 'the outcome edited into the question', 30_000);
  return edit.text;
}

/** A reason a person might paste: long, with emoji (two UTF-16 units each) and line breaks. */
function longReason(tag: string, chars: number): string {
  const line = `${tag}: the desk saw the fill at the wrong size 🙈 and wants everything stopped while it checks — `;
  return line.repeat(Math.ceil(chars / line.length)).slice(0, chars);
}

describe('the operator’s phone (process)', () => {
  it('a halt and a resume with reasons of thousands of characters: every text is taken, /status and /health still answer, and the log keeps the whole reason', async () => {
    const haltReason = longReason('HALT', 5_000);
    await say(tg, `/halt ${haltReason}`);
    const question = await messageMatching(tg, /^EMERGENCY HALT/, 'the halt question');
    expect(question.text).toContain('characters; in full: the HALT bead once confirmed, phoenix replay --stream halt');
    expect(await confirm(question)).toMatch(/^✅ halt COMPLETED/);

    await say(tg, '/status');
    const status = await messageMatching(tg, /^Health: [\s\S]*Kill flag: SET/, 'the /status reply');
    expect(status.text).toMatch(/Kill flag: SET by telegram:\d+ at .*: HALT: the desk saw.*… \(5000 characters; in full: phoenix replay --stream killswitch\)/);
    await say(tg, '/health');
    await messageMatching(tg, /^Health: [\s\S]*heartbeat gaps[\s\S]*Kill flag: SET/, 'the /health reply');

    const resumeReason = longReason('RESUME', 7_000);
    await say(tg, `/resume ${resumeReason}`);
    const ask = await messageMatching(tg, /^Clear the kill flag/, 'the resume question');
    const cleared = await confirm(ask);
    expect(cleared).toMatch(/^Kill flag CLEARED by telegram:\d+: RESUME: .*… \(7000 characters; in full: bead \S+, phoenix replay --stream killswitch\)\. New entries are allowed again\.$/);

    const state = await tg.state();
    // The Bot API took every call: nothing was refused for its size, and nothing sent was over a limit.
    expect(state.calls.filter((c) => c.outcome === 'error')).toEqual([]);
    for (const m of [...state.messages, ...state.edits]) expect(m.text.length).toBeLessThanOrEqual(4096);
    for (const a of state.answers) expect((a.text ?? '').length).toBeLessThanOrEqual(200);

    const flags = (await beads()).flatMap((b) => (b.bead_type === 'KILL_FLAG' ? [b.data] : []));
    expect(flags.map((f) => [f.state, f.reason])).toEqual([
      ['SET', haltReason],
      ['CLEARED', resumeReason],
    ]);
  }, 120_000);

  it('a reply refused with 429 is sent again after retry_after; one refused with a 5xx is sent again too', async () => {
    await tg.fail({ kind: '429', retryAfter: 2, methods: ['sendMessage'], times: 1 });
    await say(tg, '/positions');
    const positions = await messageMatching(tg, /^Positions: /, 'the /positions reply after a 429');
    const throttled = (await tg.state()).calls.findLast((c) => c.method === 'sendMessage' && c.outcome === 'failed');
    expect(throttled).toBeDefined();
    // retry_after 2 s, on the host's clock at TIME_SCALE 0.2: at least 0.4 s of real time.
    expect(positions.at - throttled!.at).toBeGreaterThanOrEqual(2_000 * SCALE * 0.9);

    await tg.fail({ kind: '5xx', status: 502, methods: ['sendMessage'], times: 1 });
    await say(tg, '/gaps');
    await messageMatching(tg, /heartbeat gaps? for phoenix-1 in the last 24 h/, 'the /gaps reply after a 502');
  }, 60_000);

  it('a reply stuck at the Bot API holds up nothing: the next command is answered at once, and the stuck one arrives after its deadline', async () => {
    const before = (await tg.state()).messages.length;
    await tg.fail({ kind: 'hang', methods: ['sendMessage'], times: 1 });
    await say(tg, '/help');
    await waitForState(tg, (s) => (s.hanging > 0 ? true : undefined), 'the /help reply to hang at the API');
    const askedAt = Date.now();
    await say(tg, '/positions');
    const next = await waitForState(tg, (s) => s.messages.slice(before).find((m) => /^Positions: /.test(m.text)), 'the /positions reply while /help hangs', 10_000);
    // Answered while the other request still hung: a few seconds at most, not the client's minute.
    expect(next.at - askedAt).toBeLessThan(5_000);
    const help = await waitForState(tg, (s) => s.messages.slice(before).find((m) => /^Commands:/.test(m.text)), 'the /help reply after its deadline', 20_000);
    expect(help.at).toBeGreaterThan(next.at);
  }, 60_000);
});
