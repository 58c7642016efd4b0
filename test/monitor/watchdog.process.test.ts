import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BeadOf } from '../../beads/index.ts';
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

describe('phoenix watchdog (real processes)', () => {
  it('CV_S33_4: SIGKILL on the host → CRITICAL HOST_DOWN at the Bot API within 5 s, sent by the watchdog itself', async () => {
    const host = await startHost();
    await startWatchdogProcess();
    await new Promise((r) => setTimeout(r, 1_000));
    const killedAt = Date.now();
    host.child.kill('SIGKILL');
    await bot.waitFor(() => bot.texts.some((t) => t.includes('Phoenix host down')), 6_000, 'the HOST_DOWN message');
    const deliveredAt = bot.messages.find((m) => m.text.includes('Phoenix host down'))!.at;
    console.info(`B4: host killed → CRITICAL at the Bot API in ${deliveredAt - killedAt} ms`);
    expect(deliveredAt - killedAt).toBeLessThanOrEqual(5_000);
    expect(bot.texts.join('\n')).toMatch(/CRITICAL[\s\S]*is gone without a clean stop[\s\S]*RB-010_HOST_DOWN/);
    await new Promise((r) => setTimeout(r, 300));
    const alerts = await beads('ALERT');
    expect(alerts.map((a) => [a.host_id, a.data.event, a.data.alert_type, a.data.severity])).toEqual([
      [`${HOST}-watchdog`, 'RAISED', 'HOST_DOWN', 'CRITICAL'],
      [`${HOST}-watchdog`, 'SENT', 'HOST_DOWN', 'CRITICAL'],
    ]);
  });

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
