/**
 * Operators' labels on alerts (S11 Phase 2, issue 14): the 👍 useful / 👎
 * noise buttons on the alert's Telegram message and `phoenix alerts label`
 * write the same ALERT_LABEL bead, through the real Telegram client against
 * the fake Bot API and a running host (mock broker, in process); the labels
 * are ground truth for the alert precision in `phoenix gates --phase 2`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningHost, startHost } from '../../actors/host/host.ts';
import { labelButtons } from '../../actors/notify/alertMessages.ts';
import { raiseAlert } from '../../actors/notify/outbox.ts';
import type { BeadOf } from '../../beads/index.ts';
import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { FakeBotApi } from '../fakes/botApi.ts';
import { CHAT_ID, OPERATOR_ID, TEST_TOKEN } from '../notify/telegramHarness.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { runCli } from '../tools/commandIo.ts';

let home: ReturnType<typeof makeTempDir>;
let fake: FakeBotApi;
let log: SqliteEventLog;
let host: RunningHost;
const cliEnv = () => ({ PHOENIX_HOME: home.dir, PHOENIX_ENV_FILE: '/nonexistent/.env', USER: 'alice' });

beforeEach(async () => {
  home = makeTempDir('phoenix-alert-labels');
  fake = await FakeBotApi.start({ token: TEST_TOKEN });
  log = new SqliteEventLog(defaultLogPath(home.dir));
  const config = loadConfig({
    PHOENIX_HOME: home.dir,
    DASHBOARD_PORT: '0',
    LOG_LEVEL: 'silent',
    TIME_SCALE: '0.2',
    TELEGRAM_BOT_TOKEN: TEST_TOKEN,
    TELEGRAM_CHAT_ID: CHAT_ID,
    TELEGRAM_ALLOWED_USER_IDS: String(OPERATOR_ID),
    TELEGRAM_API_ROOT: fake.apiRoot,
  });
  host = await startHost({ config, log, clock: systemClock, logger: silentLogger });
  await fake.waitForLivePolling();
});
afterEach(async () => {
  await host.stop('test over');
  await log.close();
  await fake.close();
  home.remove();
});

async function labels(): Promise<BeadOf<'ALERT_LABEL'>[]> {
  const out: BeadOf<'ALERT_LABEL'>[] = [];
  for await (const e of log.readAll()) if (e.kind === 'bead' && e.bead.bead_type === 'ALERT_LABEL') out.push(e.bead);
  return out;
}

describe('alert labels', () => {
  it('a one-alert message carries the two buttons; a grouped one or a RESOLVED notice none', () => {
    const a = { alertId: 'a-1', type: 'HOST_DOWN', severity: 'CRITICAL' as const, resolved: false, title: 't', message: 'm', runbookId: 'RB-010', dedupeKey: 'd', raisedAt: 0, correlationId: 'c', beadId: 'b' };
    expect(labelButtons({ detailed: [a], summarised: [] })).toEqual([[{ text: '👍 useful', data: 'LABEL:a-1:u' }, { text: '👎 noise', data: 'LABEL:a-1:n' }]]);
    expect(labelButtons({ detailed: [a, { ...a, alertId: 'a-2' }], summarised: [] })).toBeUndefined();
    expect(labelButtons({ detailed: [{ ...a, resolved: true }], summarised: [] })).toBeUndefined();
  });

  it('the phone’s 👎 and the terminal’s label write the same bead; the latest counts in the alert precision', async () => {
    const source = { hostId: 'phoenix-1', mode: 'MOCK' as const, clock: systemClock, ids: uuidV7Ids };
    const { alertId } = await raiseAlert(log, source, { type: 'alert', alertType: 'RECONCILIATION_DRIFT', message: 'drift on EURUSD (a drill)', dedupeKey: 'label-test', correlationId: 'label-test' });
    await fake.waitFor(() => fake.messages.some((m) => JSON.stringify(m.reply_markup ?? '').includes(`LABEL:${alertId}:n`)), 10_000, 'the alert with its label buttons');
    const message = fake.messages.find((m) => JSON.stringify(m.reply_markup ?? '').includes(`LABEL:${alertId}:n`))!;
    expect(message.text).toMatch(/CRITICAL · Reconciliation drift/);
    fake.injectCallback({ chatId: CHAT_ID, userId: OPERATOR_ID, data: `LABEL:${alertId}:n`, messageId: message.message_id });
    await expect.poll(async () => (await labels()).length, { timeout: 10_000 }).toBe(1);
    expect((await labels())[0]!.data).toEqual({ alert_id: alertId, alert_type: 'RECONCILIATION_DRIFT', label: 'NOISE', who: `telegram:${OPERATOR_ID}`, channel: 'TELEGRAM' });
    await fake.waitFor(() => fake.edits.some((e) => /🏷 labelled NOISE by telegram:/.test(e.text)), 10_000, 'the message saying who labelled it');

    const noiseOnly = JSON.parse((await runCli(['gates', '--phase', '2', '--json'], cliEnv())).stdout) as { gates: { id: string; value: number | null; evidence: string[] }[] };
    expect(noiseOnly.gates.find((g) => g.id === 'P2-2')?.value).toBe(0);

    const cli = await runCli(['alerts', 'label', alertId.slice(0, 13), 'useful', '--note', 'it was real', '--as', 'bob'], cliEnv());
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`Alert ${alertId} \\(RECONCILIATION_DRIFT, .*\\) labelled USEFUL by bob`));
    expect((await labels()).at(-1)!.data).toMatchObject({ label: 'USEFUL', who: 'cli:bob', channel: 'TERMINAL', note: 'it was real' });
    const listed = await runCli(['alerts', 'list'], cliEnv());
    expect(listed.stdout).toMatch(new RegExp(`${alertId} .* RECONCILIATION_DRIFT +USEFUL`));
    const useful = JSON.parse((await runCli(['gates', '--phase', '2', '--json'], cliEnv())).stdout) as { gates: { id: string; value: number | null; detail: string }[] };
    expect(useful.gates.find((g) => g.id === 'P2-2')).toMatchObject({ value: 1, detail: expect.stringMatching(/1 operator labels \(1 useful, 0 noise\)/) });
  });

  it('an alert the log never raised is refused (exit 1), and a bad label is a usage error', async () => {
    const unknown = await runCli(['alerts', 'label', 'no-such-alert', 'noise'], cliEnv());
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringMatching(/not labelled: no alert "no-such-alert" was raised in this log/) });
    const bad = await runCli(['alerts', 'label', 'x', 'great'], cliEnv());
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringMatching(/a label is useful or noise/) });
    expect(await labels()).toEqual([]);
  });
});
