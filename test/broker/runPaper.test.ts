/**
 * `phoenix run` as its own process: paper mode against the simulator process
 * writes IBKR_SESSION beads; the startup guards refuse with GUARD_FAILED and
 * exit 3 (INV-IBKR-PAPER-GUARD-1), before any order is possible.
 */
import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/config/load.ts';
import type { Bead } from '../../beads/index.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { runPhoenix, startPhoenix } from '../support/phoenixProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { simEnv } from '../chaos/brokerRig.ts';

let sim: GatewaySimHandle;
let home: ReturnType<typeof makeTempDir>;

beforeAll(async () => {
  sim = await startGatewaySim({ serverVersion: 187, nextValidId: 70 });
}, 60_000);
afterAll(async () => {
  await sim?.stop();
});
beforeEach(() => {
  home = makeTempDir('phoenix-paper');
});
afterEach(() => home.remove());

async function beadsIn(dir: string): Promise<Bead[]> {
  const log = new SqliteEventLog(defaultLogPath(dir), { readonly: true });
  const out: Bead[] = [];
  for await (const e of log.readAll()) if (e.kind === 'bead') out.push(e.bead);
  await log.close();
  return out;
}

async function waitForBead(dir: string, match: (b: Bead) => boolean, what: string, timeoutMs = 20_000): Promise<Bead> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = existsSync(defaultLogPath(dir)) ? (await beadsIn(dir)).find(match) : undefined;
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const env = (over: Record<string, string> = {}) => ({
  ...simEnv(sim, 61, 0.2),
  PHOENIX_HOME: home.dir,
  DASHBOARD_PORT: '0',
  LOG_LEVEL: 'warn',
  // Paper refuses to start without it (exit 2).
  APPROVAL_TOKEN_SECRET: 'paper-run-test-secret-0123456789abcdef',
  ...over,
});

describe('phoenix run with a gateway', () => {
  it('connects in paper mode to the gateway and records the session as IBKR_SESSION beads', async () => {
    const host = startPhoenix(['run'], env());
    await host.waitForOutput(/running in PAPER mode/);
    const connect = await waitForBead(home.dir, (b) => b.bead_type === 'IBKR_SESSION' && b.data.event === 'CONNECT', 'the CONNECT bead');
    expect(connect.mode).toBe('PAPER');
    expect(connect.data).toMatchObject({ mode: 'PAPER', account: 'DU123456', port: sim.port, server_version: 187, reconnect_attempt: 0 });
    expect((await sim.state()).clients.map((c) => c.clientId)).toEqual([61]);
    host.child.kill('SIGTERM');
    expect((await host.done).code).toBe(0);
    await sim.waitForState((s) => s.clients.length === 0, 'the host to hang up');
  });

  it('INV-IBKR-PAPER-GUARD-1: live without IBKR_ALLOW_LIVE=true is refused at start: GUARD_FAILED, exit 3, no socket, no bead', async () => {
    const before = (await sim.state()).counts;
    const r = await runPhoenix(['run'], env({ IBKR_MODE: 'live', IBKR_ACCOUNT: 'U1234567', IBKR_LIVE_PORT: String(sim.port), IBKR_PAPER_PORT: String(sim.port + 1) }));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/GUARD_FAILED/);
    expect(r.stderr).toMatch(/IBKR_MODE=live needs IBKR_ALLOW_LIVE=true/);
    expect(existsSync(defaultLogPath(home.dir))).toBe(false);
    const after = (await sim.state()).counts;
    expect(after.connectionsAccepted).toBe(before.connectionsAccepted);
  });

  it('INV-IBKR-PAPER-GUARD-1: the mode cannot change in process: the configuration is frozen and every bead a paper run writes carries PAPER', async () => {
    const config = loadConfig(env());
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { mode: string }).mode = 'LIVE';
    }).toThrow(TypeError);
    expect(() => {
      (config as { IBKR_MODE: string }).IBKR_MODE = 'live';
    }).toThrow(TypeError);
    expect(config.mode).toBe('PAPER');

    // A real run, started in paper mode: every bead it writes, whichever actor wrote it, carries the start mode.
    const host = startPhoenix(['run'], env({ IBKR_CLIENT_ID: '63', TIME_SCALE: '0.05' }));
    await host.waitForOutput(/running in PAPER mode/);
    await waitForBead(home.dir, (b) => b.bead_type === 'IBKR_SESSION' && b.data.event === 'CONNECT', 'the CONNECT bead');
    const heartbeats = async () => (await beadsIn(home.dir)).filter((b) => b.bead_type === 'HEARTBEAT').length;
    const deadline = Date.now() + 20_000;
    while ((await heartbeats()) < 2) {
      if (Date.now() > deadline) throw new Error('timed out waiting for two HEARTBEAT beads');
      await new Promise((r) => setTimeout(r, 100));
    }
    host.child.kill('SIGTERM');
    expect((await host.done).code).toBe(0);
    await sim.waitForState((s) => s.clients.length === 0, 'the host to hang up');

    const beads = await beadsIn(home.dir);
    // The run wrote from several actors: the host, the lease, the connection, the heartbeat.
    expect([...new Set(beads.map((b) => b.bead_type))]).toEqual(expect.arrayContaining(['HOST', 'LEASE', 'CONFIG', 'IBKR_SESSION', 'HEARTBEAT']));
    expect(beads.filter((b) => b.mode !== 'PAPER').map((b) => [b.bead_type, b.mode])).toEqual([]);
    expect(beads.flatMap((b) => (b.bead_type === 'IBKR_SESSION' ? [b.data.mode] : [])).every((m) => m === 'PAPER')).toBe(true);
    // From start to stop, as the log has it.
    expect(beads.flatMap((b) => (b.bead_type === 'HOST' ? [b.data.event] : []))).toEqual(['STARTED', 'STOPPING']);
  }, 60_000);

  it('a gateway that does not manage IBKR_ACCOUNT: GUARD_FAILED with the reason, a CRITICAL alert, exit 3, and no order at the gateway', async () => {
    const placed = (await sim.state()).counts.placeOrder;
    const r = await runPhoenix(['run'], env({ IBKR_ACCOUNT: 'DU999999', IBKR_CLIENT_ID: '62' }), 30_000);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/GUARD_FAILED: IB connection refused by the startup guards: guard failed: the gateway does not manage IBKR_ACCOUNT=DU999999 \(it manages: DU123456\)/);
    const beads = await beadsIn(home.dir);
    const sessions = beads.filter((b) => b.bead_type === 'IBKR_SESSION').map((b) => (b.bead_type === 'IBKR_SESSION' ? [b.data.event, b.data.reason] : []));
    expect(sessions).toEqual([['DISCONNECT', expect.stringMatching(/^guard failed: the gateway does not manage IBKR_ACCOUNT=DU999999/)]]);
    const alert = beads.find((b) => b.bead_type === 'ALERT' && b.data.alert_type === 'GUARD_VIOLATION');
    expect(alert?.bead_type === 'ALERT' && alert.data.severity).toBe('CRITICAL');
    expect((await sim.state()).counts.placeOrder).toBe(placed);
  });
});
