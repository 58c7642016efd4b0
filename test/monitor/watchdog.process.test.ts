import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BeadOf, streams } from '../../beads/index.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { FakeBotApi } from '../fakes/botApi.ts';
import { type RunningPhoenix, startPhoenix } from '../support/phoenixProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';

/**
 * The dead man's switch as real processes (S6.3, CV_S33_4): `phoenix run`
 * beating through its heartbeat, `phoenix watchdog` beside it on the same
 * SQLite log, and the fake Bot API as the operator's phone. TIME_SCALE 0.05:
 * a beat every 1.5 s ± 0.25 s, so three misses take about 5 s.
 */

const HOST = 'wd-proc';
const TOKEN = '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef';
const SCALE = '0.05';

let temp: ReturnType<typeof makeTempDir>;
let bot: FakeBotApi;
const procs: RunningPhoenix[] = [];

beforeEach(async () => {
  temp = makeTempDir('phoenix-watchdog');
  bot = await FakeBotApi.start({ token: TOKEN });
});

afterEach(async () => {
  for (const p of procs.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGCONT');
      p.child.kill('SIGKILL');
    }
    await p.done;
  }
  await bot.close();
  temp.remove();
});

function env(): Record<string, string> {
  return {
    PHOENIX_HOME: temp.dir,
    PHOENIX_HOST_ID: HOST,
    TIME_SCALE: SCALE,
    LOG_LEVEL: 'warn',
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_CHAT_ID: '4242',
    TELEGRAM_API_ROOT: bot.apiRoot,
  };
}

async function startHost(): Promise<RunningPhoenix> {
  const host = startPhoenix(['run'], env());
  procs.push(host);
  await host.waitForOutput(/running in MOCK mode/);
  return host;
}

async function startWatchdogProcess(): Promise<RunningPhoenix> {
  const wd = startPhoenix(['watchdog'], env());
  procs.push(wd);
  await wd.waitForOutput(/phoenix watchdog watching host wd-proc \(pid \d+, up\)/);
  return wd;
}

async function beads<T extends 'ALERT' | 'HEARTBEAT'>(type: T): Promise<BeadOf<T>[]> {
  const log = new SqliteEventLog(defaultLogPath(temp.dir), { readonly: true });
  const out: BeadOf<T>[] = [];
  for await (const e of log.readAll()) if (e.kind === 'bead' && e.bead.bead_type === type) out.push(e.bead as BeadOf<T>);
  await log.close();
  return out;
}

/** The log's beads of `type` once `done` holds for them; fails at the deadline. */
async function waitForBeads<T extends 'ALERT' | 'HEARTBEAT'>(type: T, done: (all: BeadOf<T>[]) => boolean, what: string, timeoutMs = 15_000): Promise<BeadOf<T>[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await beads(type);
    if (done(all)) return all;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('phoenix watchdog (real processes)', () => {
  it('CV_S33_4: SIGKILL on the host → the watchdog itself alerts CRITICAL HOST_DOWN at the Bot API and writes HEARTBEAT MISSED beads', async () => {
    const host = await startHost();
    await startWatchdogProcess();
    const pid = host.child.pid!;
    // A live, beating host first.
    await waitForBeads('HEARTBEAT', (all) => all.some((b) => b.host_id === HOST && b.data.status !== 'MISSED'), "the host's first heartbeat");
    host.child.kill('SIGKILL');

    // At once, the watchdog's own alert reaches the phone. How soon is B4's figure (bench/b4Detection.ts), not a bound here.
    await bot.waitFor(() => bot.texts.some((t) => t.includes('Phoenix host down')), 20_000, 'the HOST_DOWN message');
    expect(bot.texts.join('\n')).toMatch(new RegExp(`CRITICAL[\\s\\S]*\\(pid ${pid}\\) is gone without a clean stop[\\s\\S]*RB-010_HOST_DOWN`));

    // Then the silence is on the record: HEARTBEAT MISSED beads on the host's heartbeat stream, by the watchdog, counting up.
    const missedOf = (all: BeadOf<'HEARTBEAT'>[]) => all.filter((b) => b.data.status === 'MISSED');
    const missed = missedOf(await waitForBeads('HEARTBEAT', (all) => missedOf(all).length >= 2, 'two HEARTBEAT MISSED beads', 20_000));
    expect(missed.map((b) => b.data.miss_count).slice(0, 2)).toEqual([1, 2]);
    for (const b of missed) {
      expect([b.host_id, b.stream, b.data.checks.process_alive]).toEqual([`${HOST}-watchdog`, streams.heartbeat(HOST), false]);
      expect(b.data.details?.[0]?.message).toMatch(new RegExp(`^no heartbeat from ${HOST} for [\\d.]+ s \\(miss ${b.data.miss_count}\\); pid ${pid} gone$`));
    }

    // The alert on record: raised once and sent, both by the watchdog.
    const alerts = await waitForBeads('ALERT', (all) => all.some((a) => a.data.event === 'SENT'), 'the SENT record of the alert');
    expect(alerts.map((a) => [a.host_id, a.data.event, a.data.alert_type, a.data.severity])).toEqual([
      [`${HOST}-watchdog`, 'RAISED', 'HOST_DOWN', 'CRITICAL'],
      [`${HOST}-watchdog`, 'SENT', 'HOST_DOWN', 'CRITICAL'],
    ]);
  }, 60_000);

  it('SIGSTOP on the host → MISSED beads counting up, CRITICAL after three; SIGCONT → RESOLVED; SIGTERM → no alert', async () => {
    const host = await startHost();
    const wd = await startWatchdogProcess();
    await new Promise((r) => setTimeout(r, 2_000));
    host.child.kill('SIGSTOP');
    await bot.waitFor(() => bot.texts.some((t) => t.includes('Phoenix host down')), 9_000, 'the HOST_DOWN message');
    const missed = (await beads('HEARTBEAT')).filter((b) => b.data.status === 'MISSED');
    expect(missed.map((b) => b.data.miss_count).slice(0, 3)).toEqual([1, 2, 3]);
    expect(missed.every((b) => b.data.checks.process_alive)).toBe(true);
    expect(bot.texts.join('\n')).toMatch(/3 heartbeats missed[\s\S]*alive but hung/);
    expect(wd.stdout()).toMatch(/MISSED 1[\s\S]*MISSED 2[\s\S]*MISSED 3[\s\S]*CRITICAL HOST_DOWN \(hung\)/);

    host.child.kill('SIGCONT');
    await bot.waitFor(() => bot.texts.some((t) => t.includes('RESOLVED')), 8_000, 'the RESOLVED notice');
    host.child.kill('SIGTERM');
    expect((await host.done).code).toBe(0);
    const before = (await beads('ALERT')).filter((a) => a.data.event === 'RAISED').length;
    // Longer than three beats at this scale: a silence a stopped host must not be blamed for.
    await new Promise((r) => setTimeout(r, 5_500));
    const after = await beads('ALERT');
    expect(after.filter((a) => a.data.event === 'RAISED')).toHaveLength(before);
    expect(after.filter((a) => a.data.event === 'RAISED').map((a) => a.data.alert_type)).toEqual(['HOST_DOWN']);
  }, 40_000);
});
