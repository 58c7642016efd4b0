import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { appendDecision } from '../../actors/approval/decision.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { type RunningHost, startHost } from '../../actors/host/host.ts';
import { intentFolders, responsePath, writeFileAtomic } from '../../actors/intents/index.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { streams } from '../../beads/index.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { SECRET } from './paperDesk.ts';

/**
 * INV-UX-APPROVAL-1 (S3.2, S12): the approval flow fits in 30 s of human
 * time, and Phoenix's own share is under 1 s. Here Phoenix's share runs end
 * to end on the running host against the simulator, three times in a row:
 * from the intent file landing in incoming/ to the evidence in response.md,
 * and from the person's decision bead (appended by another connection, as
 * `phoenix approve` does) to the bracket at the simulator. Each wait has a
 * generous deadline and no figure is asserted: how long Phoenix's share takes
 * is a performance target, measured by bench/b3Decision.ts (S13). The 30 s of
 * human time are held on the virtual clock by test/approval/uxTiming.test.ts.
 */

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('INV-UX-APPROVAL-1', () => {
  it("INV-UX-APPROVAL-1: Phoenix's share of the approval flow runs through on the host: file → evidence, decision → bracket at the broker, CONSUMED", async () => {
    const sim: GatewaySimHandle = await startGatewaySim({ account: 'DU123456' });
    const temp = makeTempDir('phoenix-ux');
    const config = loadConfig({
      PHOENIX_HOME: temp.dir,
      IBKR_MODE: 'paper',
      IBKR_ACCOUNT: 'DU123456',
      IBKR_PORT: String(sim.port),
      IBKR_PAPER_PORT: String(sim.port),
      APPROVAL_TOKEN_SECRET: SECRET,
      RECONCILE_INTERVAL_S: '3600',
      DASHBOARD_PORT: '0',
    });
    const log = new SqliteEventLog(defaultLogPath(temp.dir));
    const cli = new SqliteEventLog(defaultLogPath(temp.dir));
    let host: RunningHost | undefined;
    cleanup = async () => {
      await host?.stop();
      await cli.close();
      await log.close();
      await sim.stop();
      temp.remove();
    };
    host = await startHost({ config, log, clock: systemClock, logger: silentLogger });
    await host.broker.connection.waitFor(['CONNECTED']);
    await sim.control('set-price', { pair: 'EURUSD', price: 1.085 });
    const person = new BeadWriter({ log: cli, clock: systemClock, ids: uuidV7Ids, hostId: 'cli', mode: 'PAPER' });

    const approvalEvents = async (id: string) =>
      (await cli.readStream(streams.approval(id))).flatMap((e) => (e.kind === 'bead' && e.bead.bead_type === 'APPROVAL' ? [e.bead.data.event] : []));
    for (const id of ['ux-1', 'ux-2', 'ux-3']) {
      const intent = { intent_id: id, signal: 'READY', pair: 'EURUSD', confidence: 0.85, entry: 1.085, stop: 1.082, target: 1.091, setup_type: 'FVG_ENTRY', created_at: new Date().toISOString() };
      await writeFileAtomic(join(intentFolders(config.homeDir).incoming, `${id}.yaml`), stringify(intent));
      await until(async () => (await readFile(responsePath(config.homeDir), 'utf8').catch(() => '')).includes(`Approval needed: \`${id}\``), 'the evidence');
      // Nothing goes to the broker before the person decides.
      expect((await sim.state()).orders.filter((o) => o.orderRef.startsWith(`${id}-`))).toEqual([]);
      // As `phoenix approve` writes it (issue 17): bound to the order shown, with the operator's proof.
      const decided = await appendDecision({ log: person.log, clock: systemClock, ids: uuidV7Ids, hostId: 'cli', mode: 'PAPER' }, { intentId: id, decision: 'APPROVE', decidedBy: 'alice', channel: 'TERMINAL', proof: { method: 'OPERATOR', operator: 'alice' } });
      if (!decided.ok) throw new Error(decided.why);
      const beads = [decided.bead];
      await until(async () => (await sim.state()).orders.filter((o) => o.orderRef.startsWith(`${id}-`) && o.status !== 'Untransmitted').length === 3, 'the bracket at the broker');
      await until(async () => (await approvalEvents(id)).includes('CONSUMED'), 'the approval CONSUMED');
      expect(await approvalEvents(id)).toEqual(['RECEIVED', 'ANCHOR_CHECKED', 'EVIDENCE_SHOWN', 'DECISION', 'TOKEN_ISSUED', 'CONSUMED']);
      const issued = (await cli.readStream(streams.approval(id))).find((e) => e.kind === 'bead' && e.bead.bead_type === 'APPROVAL' && e.bead.data.event === 'TOKEN_ISSUED');
      expect(issued?.kind === 'bead' && issued.bead.causation_id).toBe(beads[0]!.bead_id);
    }
  }, 60_000);
});
