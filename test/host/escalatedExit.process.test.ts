/**
 * S3.1: ESCALATED is final and needs a manual restart. `phoenix run` against
 * the gateway simulator (each its own process, TIME_SCALE 0.01 so the three
 * reconnect attempts take well under a second): the simulator is killed and
 * stays dead, the connection escalates, the operator's phone gets the
 * CRITICAL, and only then does the host stop, with exit code 5, the code its
 * systemd unit will not restart on (deploy/systemd/phoenix.service).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Bead } from '../../beads/index.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import type { TelegramSim } from '../../tools/bunny/standIns.ts';
import { EXIT } from '../../tools/command.ts';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { startPhoenix } from '../support/phoenixProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { livePolling, startTelegramSim, telegramEnv } from '../telegram/telegramSupport.ts';

let sim: GatewaySimHandle | undefined;
let tg: TelegramSim | undefined;
let home: ReturnType<typeof makeTempDir> | undefined;

afterEach(async () => {
  await sim?.stop();
  await tg?.stop();
  home?.remove();
});

async function beads(dir: string): Promise<Bead[]> {
  const log = new SqliteEventLog(defaultLogPath(dir), { readonly: true });
  const out: Bead[] = [];
  for await (const e of log.readAll()) if (e.kind === 'bead') out.push(e.bead);
  await log.close();
  return out;
}

describe('phoenix run when the IB connection escalates', () => {
  it('tells the phone, writes HOST STOPPING, and exits 5 (no restart: a person restarts it)', async () => {
    expect(EXIT.escalated).toBe(5);
    sim = await startGatewaySim({ account: 'DU123456' });
    tg = await startTelegramSim();
    home = makeTempDir('phoenix-escalated');
    const host = startPhoenix(['run'], {
      PHOENIX_HOME: home.dir,
      IBKR_MODE: 'paper',
      IBKR_ACCOUNT: 'DU123456',
      IBKR_PORT: String(sim.port),
      IBKR_PAPER_PORT: String(sim.port),
      APPROVAL_TOKEN_SECRET: 'escalation-test-secret-0123456789abcdef',
      TIME_SCALE: '0.01',
      LOG_LEVEL: 'warn',
      ...telegramEnv(tg),
    });
    await host.waitForOutput(/running in PAPER mode/, 30_000);
    await livePolling(tg);
    await expect.poll(async () => (await beads(home!.dir)).some((b) => b.bead_type === 'IBKR_SESSION' && b.data.event === 'CONNECT'), { timeout: 20_000 }).toBe(true);

    await sim.kill();
    const end = await Promise.race([host.done, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 45_000))]);
    expect(end === 'still running' ? end : end.code).toBe(5);
    if (end === 'still running') return;
    expect(end.stderr).toMatch(/phoenix run: ESCALATED: the IB connection is given up .*restart by hand .*RB-001/);

    const phone = (await tg.state()).messages.map((m) => m.text);
    expect(phone.some((t) => /CRITICAL · Connection rotting — run RB-001/.test(t))).toBe(true);
    const all = await beads(home.dir);
    const reconnects = all.flatMap((b) => (b.bead_type === 'IBKR_SESSION' && b.data.event === 'RECONNECT' ? [b.data] : []));
    expect(reconnects.at(-1)).toMatchObject({ escalated: true });
    const sent = all.find((b) => b.bead_type === 'ALERT' && b.data.alert_type === 'CONNECTION_ESCALATED' && b.data.event === 'SENT');
    const stopping = all.find((b) => b.bead_type === 'HOST' && b.data.event === 'STOPPING');
    expect(stopping?.bead_type === 'HOST' && stopping.data).toMatchObject({ reason: 'connection ESCALATED' });
    // The operator was told before the host went: the delivery is in the log ahead of HOST STOPPING.
    expect(sent).toBeDefined();
    expect(all.indexOf(sent!)).toBeLessThan(all.indexOf(stopping!));
  }, 120_000);
});
