/**
 * The kill switch as the host and the CLI share it through the log: restored
 * at start, decided on the stream's state, written with expected revisions so
 * two processes racing never leave a history replay cannot follow, and fail
 * closed when the log cannot be written.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../runtime/clock.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { startKillSwitch } from '../../actors/killswitch/killSwitchActor.ts';
import { KillSwitchLedger } from '../../actors/killswitch/killSwitchLedger.ts';
import { silentLogger } from '../../runtime/logger.ts';
import type { Alert } from '../../actors/notify/outbox.ts';
import { systemTimers } from '../../runtime/timers.ts';
import type { Bead, Mode } from '../../beads/index.ts';
import { replayKillSwitch } from '../../machines/killswitchReplay.ts';
import type { AlertRequest, HumanActor } from '../../machines/types.ts';
import { LogUnavailableError } from '../../store/errors.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import type { EventLog } from '../../store/port.ts';

const alice: HumanActor = { kind: 'human', id: 'alice', channel: 'CLI' };
const bob: HumanActor = { kind: 'human', id: '42', channel: 'TELEGRAM' };

/** A memory log whose appends can be made to fail as an unwritable disk would. */
class FlakyLog extends MemoryEventLog {
  down = false;
  override append(...args: Parameters<MemoryEventLog['append']>) {
    if (this.down) return Promise.reject(new LogUnavailableError('SQLITE_FULL: database or disk is full'));
    return super.append(...args);
  }
}

function writerOn(log: EventLog, hostId = 'host-a', mode: Mode = 'PAPER') {
  return new BeadWriter({ log, clock: new ManualClock(), ids: uuidV7Ids, hostId, mode });
}

async function ledgerOn(log: EventLog, alerts: AlertRequest[] = [], hostId = 'host-a') {
  return KillSwitchLedger.load({ writer: writerOn(log, hostId), logger: silentLogger, raiseAlert: async (a) => void alerts.push(a) });
}

async function stream(log: EventLog): Promise<Bead[]> {
  return (await log.readStream('killswitch')).flatMap((e) => (e.kind === 'bead' ? [e.bead] : []));
}

const flags = async (log: EventLog) => (await stream(log)).map((b) => (b.bead_type === 'KILL_FLAG' ? `${b.data.state} ${b.data.who}: ${b.data.reason}` : b.bead_type));

describe('kill switch ledger', () => {
  it('whoever hears the flag go SET before its bead lands is told the SET is being recorded, not that the flag is ARMED', async () => {
    const log = new MemoryEventLog();
    const ledger = await ledgerOn(log);
    const heard: string[] = [];
    ledger.onChange((flag) => heard.push(`${flag}: ${ledger.describe()}`));
    await ledger.request({ type: 'HALT', by: alice, reason: 'runaway orders' });
    expect(heard).toEqual(['SET: ARMED (a SET is being recorded)', 'SET: SET by cli:alice (runaway orders)']);
  });

  it('a flag SET before a restart is still SET after it, and only a person with a reason clears it', async () => {
    const log = new MemoryEventLog();
    const alerts: AlertRequest[] = [];
    const before = await ledgerOn(log, alerts);
    expect(before.killFlag()).toBe('ARMED');
    expect((await before.request({ type: 'HALT', by: alice, reason: 'runaway orders' })).kind).toBe('recorded');
    expect(alerts.map((a) => a.alertType)).toEqual(['KILL_FLAG_SET']);

    const restarted = await ledgerOn(log);
    expect(restarted.killFlag()).toBe('SET');
    expect(restarted.describe()).toBe('SET by cli:alice (runaway orders)');
    expect(await restarted.request({ type: 'CLEAR', by: alice, reason: '   ' })).toMatchObject({ kind: 'refused', why: 'clearing the kill flag needs a reason' });
    expect(await restarted.request({ type: 'CLEAR', by: { kind: 'system', component: 'reconciliation' }, reason: 'auto' })).toMatchObject({
      kind: 'refused',
      why: 'only a person may clear the kill flag',
    });
    expect(await restarted.request({ type: 'CLEAR', by: bob, reason: 'orders explained' })).toMatchObject({ kind: 'recorded', flag: 'ARMED' });
    expect(await flags(log)).toEqual(['SET cli:alice: runaway orders', 'CLEARED telegram:42: orders explained']);
    const security = (await log.readStream('security')).flatMap((e) => (e.kind === 'bead' && e.bead.bead_type === 'SECURITY' ? [e.bead.data.who] : []));
    expect(security).toEqual(['system:reconciliation']);
  });

  it('a resume in another process while the host records another cause: both land, in an order the machine accepts', async () => {
    const log = new MemoryEventLog();
    const host = await ledgerOn(log, [], 'host-a');
    await host.request({ type: 'HALT', by: alice, reason: 'drill' });
    const cli = await ledgerOn(log, [], 'host-a-cli');
    // The CLI read SET at revision 0; the host appends revision 1 before the CLI writes.
    await host.request({ type: 'GUARD_VIOLATION', reason: 'PORT guard: port 4001 in PAPER' });
    expect(await cli.request({ type: 'CLEAR', by: alice, reason: 'port fixed' })).toMatchObject({ kind: 'recorded', flag: 'ARMED' });
    expect(host.killFlag()).toBe('SET');
    await host.catchUp();
    expect(host.killFlag()).toBe('ARMED');
    expect(await flags(log)).toEqual(['SET cli:alice: drill', 'SET system:submit-guard: PORT guard: port 4001 in PAPER', 'CLEARED cli:alice: port fixed']);
    expect(replayKillSwitch(await stream(log)).anomalies).toEqual([]);
  });

  it('reads SET the moment a SET is asked for, before its bead has landed', async () => {
    const ledger = await ledgerOn(new MemoryEventLog());
    const pending = ledger.request({ type: 'GUARD_VIOLATION', reason: 'ACCOUNT guard: U999' });
    expect(ledger.killFlag()).toBe('SET');
    await pending;
    expect(ledger.killFlag()).toBe('SET');
  });

  it('fails closed: with the log unwritable a SET is held in memory, and recorded once the log is back', async () => {
    const log = new FlakyLog();
    const ledger = await ledgerOn(log);
    log.down = true;
    const outcome = await ledger.request({ type: 'LOG_UNAVAILABLE', reason: 'write-ahead ORDER bead could not be appended' });
    expect(outcome).toMatchObject({ kind: 'unrecorded', flag: 'SET', why: expect.stringMatching(/SQLITE_FULL/) });
    expect(ledger.killFlag()).toBe('SET');
    expect(ledger.describe()).toMatch(/held in memory/);
    await ledger.retryUnrecorded();
    expect(ledger.killFlag()).toBe('SET');
    log.down = false;
    await ledger.retryUnrecorded();
    expect(await flags(log)).toEqual(['SET system:event-log: write-ahead ORDER bead could not be appended']);
    expect(ledger.describe()).toBe('SET by system:event-log (write-ahead ORDER bead could not be appended)');
  });

  it('the host actor: drift sets the flag only in LIVE, guard refusals are forwarded, and a held SET is retried on a timer', async () => {
    const raised: Alert[] = [];
    const alerts = { raise: async (a: Alert) => void raised.push(a) };
    const paper = await startKillSwitch({ writer: writerOn(new MemoryEventLog()), mode: 'PAPER', alerts, logger: silentLogger, timers: systemTimers });
    expect((await paper.driftDetected('EURUSD 20000 at IB, 0 here')).kind).toBe('unchanged');
    expect(paper.killFlag()).toBe('ARMED');
    paper.stop();

    const log = new FlakyLog();
    const live = await startKillSwitch({ writer: writerOn(log, 'host-a', 'LIVE'), mode: 'LIVE', alerts, logger: silentLogger, timers: systemTimers, retryMs: 20 });
    expect(await live.fromSubmitResult({ outcome: 'SENT', orderRefs: ['x'] })).toBeUndefined();
    expect(live.killFlag()).toBe('ARMED');
    log.down = true;
    await live.fromSubmitResult({ outcome: 'REFUSED', step: 'ACCOUNT', reason: 'U999', killFlag: { type: 'GUARD_VIOLATION', reason: 'ACCOUNT guard: U999' } });
    expect(live.killFlag()).toBe('SET');
    log.down = false;
    await expect.poll(async () => (await flags(log)).length, { timeout: 2_000 }).toBe(1);
    await live.driftDetected('EURUSD 20000 at IB, 0 here', 'recon-1');
    expect(await flags(log)).toEqual(['SET system:submit-guard: ACCOUNT guard: U999', 'SET system:reconciliation: EURUSD 20000 at IB, 0 here']);
    expect(raised.map((a) => a.alertType)).toEqual(['KILL_FLAG_SET']);
    live.stop();
  });
});
