/**
 * `phoenix telegram test --sequence`: the seed's device check through the
 * real alert pipeline (notifier, dispatch policy, throttle, Telegram client)
 * against the Bot API stand-in, which refuses what Telegram refuses. What the
 * operator sees on the phone, step by step, each message marked as a test;
 * what the command reports; and that the desk's log then satisfies P1-4's
 * test-alert half (projections/gates.ts reads a TEST_ALERT SENT bead) and
 * holds no mock drift or kill. TIME_SCALE 0.1: the 10 s group wait is 1 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeGates } from '../../actors/gates/computeGates.ts';
import type { Bead } from '../../beads/index.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import type { CommandIo } from '../../tools/command.ts';
import { telegramTestCommand } from '../../tools/commands/telegramTest.ts';
import { FakeBotApi } from '../fakes/botApi.ts';
import { CHAT_ID, TEST_TOKEN } from './telegramHarness.ts';

async function run(argv: string[], env: Record<string, string>, cwd: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (c) => out.push(String(c)));
  stderr.on('data', (c) => err.push(String(c)));
  const io: CommandIo = { stdout, stderr, stdin: process.stdin, env, cwd, signal: new AbortController().signal };
  const code = await telegramTestCommand.run(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('phoenix telegram test --sequence', () => {
  let home: string;
  let fake: FakeBotApi;
  let env: Record<string, string>;

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'phoenix-sequence-'));
    fake = await FakeBotApi.start({ token: TEST_TOKEN });
    env = { PHOENIX_HOME: home, TELEGRAM_BOT_TOKEN: TEST_TOKEN, TELEGRAM_CHAT_ID: CHAT_ID, TELEGRAM_API_ROOT: fake.apiRoot, TIME_SCALE: '0.1', LOG_LEVEL: 'silent' };
  });
  afterEach(async () => {
    await fake.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('ping, approval request, DRIFT, KILL, 10 grouped, 50 throttled: each accepted and marked as a test, and recorded as P1-4’s test alert', async () => {
    // The Bot API refuses the first send with a 429: the pipeline waits and sends it again.
    fake.failWith({ kind: '429', retryAfter: 1 }, { methods: ['sendMessage'], times: 1 });
    const r = await run(['test', '--sequence'], env, home);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const steps = r.stdout.split('\n').filter((l) => /^ {2}[✓✗] /.test(l));
    expect(steps.map((l) => l.slice(4, l.indexOf(':')))).toEqual([
      'health ping',
      'mock READY approval request',
      'mock DRIFT alert (CRITICAL)',
      '10 alerts batched',
      'mock KILL alert (CRITICAL)',
      '50 alerts throttled',
    ]);
    expect(steps.every((l) => l.startsWith('  ✓ '))).toBe(true);
    expect(r.stdout).toMatch(/10 alerts batched: 10 alerts accepted in 1 message\(s\)/);
    expect(r.stdout).toMatch(/50 alerts throttled: 50 alerts accepted in 1 message\(s\) \(\d+\), 50 of them first held back by the throttle/);

    const phone = fake.messages;
    expect(fake.calls.filter((c) => c.outcome === 'failed')).toHaveLength(1);
    expect(phone.every((m) => m.text.startsWith('🧪 TEST'))).toBe(true);
    expect(phone.every((m) => m.text.length <= 4096)).toBe(true);
    expect(phone[0]!.text).toMatch(/Health ping from phoenix-1 \(MOCK\)/);
    const approval = phone.find((m) => m.reply_markup !== undefined)!;
    expect(approval.text).toMatch(/Approval needed: TEST-DEVICE-CHECK BUY 20000 EURUSD/);
    expect(approval.reply_markup).toEqual({
      inline_keyboard: [
        [
          { text: '✅ APPROVE (test)', callback_data: 'TEST:approve' },
          { text: '❌ REJECT (test)', callback_data: 'TEST:reject' },
        ],
      ],
    });
    expect(phone.filter((m) => /🔴 CRITICAL · Reconciliation drift/.test(m.text))).toHaveLength(1);
    expect(phone.filter((m) => /🔴 CRITICAL · Kill flag set: trading blocked/.test(m.text))).toHaveLength(1);
    const batch = phone.filter((m) => /batch alert/.test(m.text));
    expect(batch).toHaveLength(1);
    expect([...batch[0]!.text.matchAll(/batch alert (\d+)\/10/g)]).toHaveLength(10);
    const storm = phone.filter((m) => /storm alert/.test(m.text));
    expect(storm).toHaveLength(1);
    expect([...storm[0]!.text.matchAll(/storm alert \d+\/50/g)]).toHaveLength(10);
    expect(storm[0]!.text).toMatch(/\+40 more: /);
    // The KILL went out at once, ahead of the storm it arrived in.
    expect(phone.findIndex((m) => /Kill flag set/.test(m.text))).toBeLessThan(phone.indexOf(storm[0]!));

    const log = new SqliteEventLog(defaultLogPath(home));
    const beads: Bead[] = [];
    for await (const e of log.readAll()) if (e.kind === 'bead') beads.push(e.bead);
    const { gates } = await computeGates(log);
    await log.close();
    expect(beads.map((b) => (b.bead_type === 'ALERT' ? `${b.data.event} ${b.data.alert_type}` : b.bead_type))).toEqual(['ALERT', 'ALERT'].map((_, i) => (i === 0 ? 'RAISED TEST_ALERT' : 'SENT TEST_ALERT')));
    const sent = beads[1]!;
    expect(sent.bead_type === 'ALERT' && sent.data.message).toMatch(/^device check passed: health ping: accepted in 1 message/);
    const p14 = gates.find((g) => g.id === 'P1-4')!;
    expect(p14.detail).toMatch(/a test alert delivered/);
    expect(p14.evidence).toContain(sent.bead_id);
  }, 60_000);
});
