import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { judgeDecision } from '../../actors/approval/judgeDecision.ts';
import { type OrderTicket, type ResendRequest, type SubmitPorts, submitGuarded } from '../../actors/broker/submitGuards.ts';
import { issuedTokenOf } from '../../actors/broker/tokens.ts';
import { hostHeaderAllowed } from '../../actors/dashboard/http.ts';
import { clearAct, judgeClear } from '../../actors/killswitch/clearTrust.ts';
import { startKillSwitch } from '../../actors/killswitch/killSwitchActor.ts';
import { type Bead, type BeadDraft, type BeadOf, stamp, streams } from '../../beads/index.ts';
import { foldAllGates, gateResults, paperGatesHold } from '../../projections/gates.ts';
import { BUNNY_VECTORS } from '../../projections/gatesBunny.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { ChainedLog } from '../../runtime/chain/chainedLog.ts';
import { liveGateOnChainedEvidence } from '../../runtime/chain/liveGate.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { enrol, totpOf } from '../../runtime/operators/enrolment.ts';
import { presenceMac, presenceMessage } from '../../runtime/operators/presence.ts';
import { decisionAct } from '../../runtime/orderBinding.ts';
import { systemTimers } from '../../runtime/timers.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import type { EventLog } from '../../store/port.ts';
import { stampAt, T0 } from '../machines/support.ts';
import { bracketOf, testBinding } from '../support/approvedOrder.ts';
import { makeTempDir } from '../support/tempDir.ts';

/**
 * Issue 17, the attacks that need no broker: a script's approval in LIVE, a
 * forged kill-flag clear, forged gate beads against the live gate, forged
 * re-sends at the guard chain, a halt in the send window, and the Host
 * header. Each is shown refused, and shown succeeding once its guard is
 * switched off in the test, so each test can fail.
 */

const KEY = randomBytes(32);
const temps: (() => void)[] = [];
afterEach(() => {
  for (const remove of temps.splice(0)) remove();
});
const home = () => {
  const t = makeTempDir('phoenix-attacks');
  temps.push(t.remove);
  return t.dir;
};
const forge = async (log: EventLog, draft: BeadDraft, hostId: string, ts = new Date().toISOString()): Promise<Bead> => {
  const bead = stamp(draft, { bead_id: uuidV7Ids.next(), ts, host_id: hostId, mode: 'PAPER' });
  await log.append(bead.stream, [bead]);
  return bead;
};

describe('a script approves a trade in LIVE', () => {
  const binding = testBinding('live-1');
  const decision = (proof: NonNullable<BeadOf<'APPROVAL'>['data']['proof']>) =>
    stampAt(
      { bead_type: 'APPROVAL', stream: 'approval-live-1', correlation_id: 'live-1', data: { intent_id: 'live-1', event: 'DECISION', decision: 'APPROVE', decided_by: 'anyone', channel: 'TERMINAL', binding, proof } },
      T0,
    ) as BeadOf<'APPROVAL'>;
  const judge = (bead: BeadOf<'APPROVAL'>, mode: 'LIVE' | 'PAPER', dir: string, now = Date.now()) =>
    judgeDecision(bead, { mode, homeDir: dir, allowedTelegramUsers: [], now, sealed: false, shown: binding });

  it('phoenix approve --yes is refused in LIVE before anything is written', async () => {
    const { runCli } = await import('../tools/commandIo.ts');
    const dir = home();
    const out = await runCli(['approve', 'live-1', '--yes', '--as', 'anyone'], { PHOENIX_HOME: dir, IBKR_MODE: 'live', IBKR_ACCOUNT: 'U1234567' });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/--yes is refused in LIVE/);
  });

  it('the decision such a script writes (a name, no code) is refused by the host in LIVE; switched to PAPER rules it would pass', () => {
    const dir = home();
    const scripted = decision({ method: 'OPERATOR', operator: 'anyone' });
    expect(judge(scripted, 'LIVE', dir)).toMatchObject({ ok: false, why: expect.stringMatching(/fresh TOTP code/) });
    expect(judge(scripted, 'PAPER', dir)).toMatchObject({ ok: true });
  });

  it('with a code from the enrolled phone it passes once: the code covers this order only, and is not taken twice', () => {
    const dir = home();
    const now = Date.now();
    const op = enrol(dir, 'anyone', { now });
    const code = totpOf(op).generate({ timestamp: now });
    const mac = presenceMac(code, presenceMessage(...decisionAct('live-1', 'APPROVE', binding)));
    expect(judge(decision({ method: 'TOTP', operator: 'anyone', mac }), 'LIVE', dir, now)).toMatchObject({ ok: true, method: 'TOTP' });
    expect(judge(decision({ method: 'TOTP', operator: 'anyone', mac }), 'LIVE', dir, now)).toMatchObject({ ok: false, why: expect.stringMatching(/already used/) });
    const otherOrder = presenceMac(code, presenceMessage(...decisionAct('live-1', 'APPROVE', { ...binding, units: 5_000_000 })));
    expect(judge(decision({ method: 'TOTP', operator: 'anyone', mac: otherOrder }), 'LIVE', dir, now + 31_000)).toMatchObject({ ok: false });
  });
});

describe('a CLEARED bead written into the log as a Telegram user not on the list', () => {
  for (const guarded of [true, false]) {
    it(guarded ? 'is not obeyed: the flag stays SET, a SECURITY bead and a REFUSED attestation answer it' : 'clears the flag when the host keeps no chain (the attack is real)', async () => {
      const raw = new MemoryEventLog();
      const clock = { now: () => Date.now() };
      const log = guarded ? await ChainedLog.open(raw, { key: KEY, hostId: 'phoenix-1', mode: 'PAPER', clock }) : raw;
      const writer = new BeadWriter({ log, clock, ids: uuidV7Ids, hostId: 'phoenix-1', mode: 'PAPER' });
      const killSwitch = await startKillSwitch({ writer, mode: 'PAPER', alerts: { raise: async () => undefined }, logger: silentLogger, timers: systemTimers });
      await killSwitch.halt({ kind: 'human', id: 'alice', channel: 'CLI' }, 'drill');
      expect(killSwitch.killFlag()).toBe('SET');
      const forged = (await forge(raw, { bead_type: 'KILL_FLAG', stream: streams.killswitch, correlation_id: 'killswitch-1', data: { state: 'CLEARED', who: 'telegram:999', reason: 'all good' } }, 'phoenix-1-cli')) as BeadOf<'KILL_FLAG'>;
      await killSwitch.answerClear(forged);
      await killSwitch.catchUp();
      killSwitch.stop();
      if (!guarded) {
        expect(killSwitch.killFlag()).toBe('ARMED');
        return;
      }
      expect(killSwitch.killFlag()).toBe('SET');
      const beads = (await collect(raw)).filter((b) => b.causation_id === forged.bead_id);
      expect(beads.map((b) => b.bead_type).sort()).toEqual(['ATTESTATION', 'SECURITY']);
      expect(beads.find((b) => b.bead_type === 'SECURITY')?.data).toMatchObject({ who: 'telegram:999', why: expect.stringMatching(/did not write itself/) });
    });
  }
});

describe('clearing the kill flag in LIVE', () => {
  const clear = (proof: NonNullable<BeadOf<'KILL_FLAG'>['data']['proof']>) =>
    stampAt({ bead_type: 'KILL_FLAG', stream: streams.killswitch, correlation_id: 'killswitch-1', data: { state: 'CLEARED', who: 'cli:alice', reason: 'drift explained', proof } }, T0) as BeadOf<'KILL_FLAG'>;
  it('needs a fresh code from the enrolled phone, over this clear; a name alone (enough in PAPER) is refused', () => {
    const dir = home();
    const now = Date.now();
    const op = enrol(dir, 'alice', { now });
    expect(judgeClear(clear({ method: 'OPERATOR', operator: 'alice' }), { mode: 'LIVE', homeDir: dir, now })).toMatchObject({ ok: false, why: expect.stringMatching(/TOTP/) });
    expect(judgeClear(clear({ method: 'OPERATOR', operator: 'alice' }), { mode: 'PAPER', homeDir: dir, now })).toMatchObject({ ok: true });
    const mac = presenceMac(totpOf(op).generate({ timestamp: now }), clearAct('cli:alice', 'drift explained'));
    expect(judgeClear(clear({ method: 'TOTP', operator: 'alice', mac }), { mode: 'LIVE', homeDir: dir, now })).toMatchObject({ ok: true, method: 'TOTP' });
    expect(judgeClear(clear({ method: 'TOTP', operator: 'alice', mac }), { mode: 'LIVE', homeDir: dir, now })).toMatchObject({ ok: false, why: expect.stringMatching(/already used/) });
  });
});

async function collect(log: EventLog): Promise<Bead[]> {
  const out: Bead[] = [];
  for await (const e of log.readAll()) if (e.kind === 'bead') out.push(e.bead);
  return out;
}

/** Every bead the S11 paper gates ask for, written by hand into an empty log. */
async function handWrittenGateEvidence(log: EventLog): Promise<number> {
  const t0 = Date.parse('2026-11-24T09:00:00.000Z');
  const at = (s: number) => new Date(t0 + s * 1000).toISOString();
  const drafts: [BeadDraft, string, string][] = [];
  const add = (draft: BeadDraft, host: string, s: number) => drafts.push([draft, host, at(s)]);
  for (const [i, host] of ['paper-a', 'paper-b'].entries()) add({ bead_type: 'HOST', stream: streams.host(host), correlation_id: host, data: { event: 'STARTED', version: '1', config_hash: 'x', pid: 10 + i } }, host, i);
  const session = (event: 'CONNECT' | 'DISCONNECT' | 'RECONNECT', s: number) =>
    add({ bead_type: 'IBKR_SESSION', stream: streams.connection('paper-a'), correlation_id: 's', data: { event, mode: 'PAPER', account: 'DU123456', port: 4002, reconnect_attempt: 0 } }, 'paper-a', s);
  session('CONNECT', 2);
  session('DISCONNECT', 3);
  session('RECONNECT', 4);
  session('CONNECT', 5);
  for (const [n, host] of [
    [1, 'paper-a'],
    [2, 'paper-a'],
    [3, 'paper-b'],
  ] as const) {
    for (const state of ['SUBMITTED', 'FILLED', 'CLOSED'] as const) {
      add({ bead_type: 'POSITION', stream: streams.position(`p${n}`), correlation_id: `p${n}`, data: { position_id: `p${n}`, state, pair: 'EURUSD', side: 'LONG', quantity: 20_000, stop: 1.08, target: 1.09 } }, host, 10 + n);
    }
  }
  for (let i = 0; i < 10; i++) add({ bead_type: 'HEARTBEAT', stream: streams.heartbeat('paper-a'), correlation_id: `hb-${i}`, data: { status: 'HEALTHY', checks: { process_alive: true, ibkr_connected: true, semantic_healthy: true }, miss_count: 0 } }, 'paper-a', 100 + i * 30);
  add({ bead_type: 'ALERT', stream: streams.alerts, correlation_id: 'a', data: { event: 'SENT', alert_id: 'a', alert_type: 'TEST_ALERT', severity: 'WARNING', message: 'test', dedupe_key: 'a' } }, 'paper-a', 500);
  add({ bead_type: 'DRILL', stream: streams.drill, correlation_id: 'd', data: { runbook_id: 'RB-004', event: 'FINISHED', outcome: 'PASS', resolution_ms: 100 } }, 'paper-a-cli', 501);
  for (const v of BUNNY_VECTORS) add({ bead_type: 'BUNNY', stream: streams.bunny, correlation_id: 'run', data: { run_id: 'run-1', vector_id: v, result: 'PASS', evidence: 'ok', run_scope: 'FULL' } }, 'paper-a-cli', 600);
  for (const [draft, host, ts] of drafts) await forge(log, draft, host, ts);
  return drafts.length;
}

describe('the live gate on invented records', () => {
  const runbooks = { expected: ['RB-004'], present: ['RB-004'] };
  it('hand-written beads in an empty log open the gate when every bead counts (the attack is real)', async () => {
    const log = new MemoryEventLog();
    expect(await handWrittenGateEvidence(log)).toBeGreaterThanOrEqual(40);
    expect(paperGatesHold(gateResults(foldAllGates(await collect(log)), { runbooks }))).toBe(true);
  });

  it('leave it shut when only sealed evidence tied to the paper account’s executions counts', async () => {
    const log = new MemoryEventLog();
    const written = await handWrittenGateEvidence(log);
    const gate = await liveGateOnChainedEvidence(log, KEY, { runbooks });
    expect(gate.holds).toBe(false);
    expect(gate.gates.filter((g) => g.status === 'MET').map((g) => g.id)).toEqual(expect.not.arrayContaining(['P1-1', 'P1-2', 'P1-3', 'P1-6']));
    expect(gate.leftOut).toBeGreaterThanOrEqual(written - 17);
  });
});

describe('the guard chain in the send window and on a re-send', () => {
  const binding = testBinding('rs-1', { account: 'DU1234567' });
  function ports(over: Partial<SubmitPorts> = {}): { ports: SubmitPorts; sent: string[]; state: { flag: 'ARMED' | 'SET' } } {
    const sent: string[] = [];
    const state = { flag: 'ARMED' as 'ARMED' | 'SET' };
    return {
      sent,
      state,
      ports: {
        config: loadConfig({ IBKR_MODE: 'paper', IBKR_ACCOUNT: 'DU1234567' }),
        session: () => ({ port: 4002, managedAccounts: ['DU1234567'] }),
        killFlag: () => state.flag,
        tokens: { redeem: () => ({ ok: false, code: 'MALFORMED', why: 'no token in these tests' }) },
        pacer: { acquire: async () => ({ ok: true }) },
        clock: new ManualClock(T0),
        appendWriteAhead: async () => [],
        send: (o) => {
          sent.push(o.orderRef);
        },
        ...over,
      },
    };
  }
  const issued = (b = binding) => {
    const bead = stampAt({ bead_type: 'APPROVAL', stream: 'approval-rs-1', correlation_id: 'rs-1', data: { intent_id: 'rs-1', event: 'TOKEN_ISSUED', token_id: `tok-${uuidV7Ids.next()}`, binding: b } }, T0) as BeadOf<'APPROVAL'>;
    const r = issuedTokenOf(bead, true);
    if (!r.ok) throw new Error(r.why);
    return r.token;
  };
  const resend = (orders: readonly OrderTicket[], token = issued()): ResendRequest => ({ kind: 'RESEND', account: 'DU1234567', orders: orders as [OrderTicket, ...OrderTicket[]], issued: token });

  it('a re-send of SELL 5,000,000 under a token issued for BUY 20,000 is refused before any byte; the exact order goes once', async () => {
    const forged = bracketOf(testBinding('rs-1', { account: 'DU1234567', action: 'SELL', units: 5_000_000, stop: 1.095, target: 1.07 }));
    const p = ports();
    expect(await submitGuarded(resend(forged), p.ports)).toMatchObject({ outcome: 'REFUSED', step: 'TOKEN', alert: { alertType: 'GUARD_VIOLATION' } });
    expect(p.sent).toEqual([]);
    // Switched off (a token bound to the forged order, MAX_ORDER_UNITS raised): the same tickets go out.
    const off = ports({ config: loadConfig({ IBKR_MODE: 'paper', IBKR_ACCOUNT: 'DU1234567', MAX_ORDER_UNITS: '10000000', ORDER_UNITS: '20000' }) });
    expect(await submitGuarded(resend(forged, issued(testBinding('rs-1', { account: 'DU1234567', action: 'SELL', units: 5_000_000, stop: 1.095, target: 1.07 }))), off.ports)).toMatchObject({ outcome: 'SENT' });
    const token = issued();
    expect(await submitGuarded(resend(bracketOf(binding), token), p.ports)).toMatchObject({ outcome: 'SENT' });
    expect(await submitGuarded(resend(bracketOf(binding), token), p.ports)).toMatchObject({ outcome: 'REFUSED', reason: expect.stringMatching(/already re-sent once/) });
  });

  it('MAX_ORDER_UNITS holds for exits too: a flatten of 5,000,000 is refused', async () => {
    const p = ports();
    const flatten: OrderTicket = { orderId: 9, orderRef: 'flat-1', pair: 'EURUSD', action: 'SELL', quantity: 5_000_000, orderType: 'MKT', role: 'FLATTEN' };
    expect(await submitGuarded({ kind: 'EXIT', account: 'DU1234567', orders: [flatten], correlationId: 'h', authority: { who: 'cli:x', reason: 'x' } }, p.ports)).toMatchObject({ outcome: 'REFUSED', step: 'TOKEN', reason: expect.stringMatching(/MAX_ORDER_UNITS is 100000/) });
  });

  for (const guarded of [true, false]) {
    it(`a halt that lands between the write-ahead and the wire ${guarded ? 'stops the bracket: nothing is sent, the orders are given up' : 'does not stop it when the flag is read only before the write-ahead (the attack is real)'}`, async () => {
      let frozen: 'ARMED' | 'SET' | undefined;
      const p = ports();
      p.ports.appendWriteAhead = async () => {
        frozen = p.state.flag;
        p.state.flag = 'SET';
        return [];
      };
      // The guard off: the flag as it read before the write-ahead.
      if (!guarded) p.ports.killFlag = () => frozen ?? p.state.flag;
      const result = await submitGuarded(resend(bracketOf(binding)), p.ports);
      if (guarded) {
        expect(result).toMatchObject({ outcome: 'SEND_FAILED', sent: [], reason: expect.stringMatching(/kill flag was SET between the write-ahead and the send/) });
        expect(p.sent).toEqual([]);
      } else {
        expect(result.outcome).toBe('SENT');
        expect(p.sent).toHaveLength(3);
      }
    });
  }
});

describe('the dashboard’s Host header (DNS rebinding)', () => {
  it('refuses a name that merely starts with 127.; the old prefix rule let it through', () => {
    expect(hostHeaderAllowed('127.0.0.1', '127.attacker.example')).toBe(false);
    expect(hostHeaderAllowed('127.0.0.1', '127.0.0.1.nip.io:7070')).toBe(false);
    for (const ok of ['127.0.0.1:7070', 'localhost:7070', '[::1]:7070', '127.0.0.2']) expect(hostHeaderAllowed('127.0.0.1', ok)).toBe(true);
    const oldRule = (header: string) => ['localhost', '127.0.0.1', '[::1]', '::1'].includes(header) || header.startsWith('127.');
    expect(oldRule('127.attacker.example')).toBe(true);
  });
});
