import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type Bead, type BeadDraft, type BeadOf, stamp, streams } from '../../beads/index.ts';
import type { OrderBinding } from '../../machines/approvalVocabulary.ts';
import { ChainedLog } from '../../runtime/chain/chainedLog.ts';
import type { ChainFinding } from '../../runtime/chain/checker.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import type { EventLog } from '../../store/port.ts';
import { type FlowRig, hashOf, intentOf, startFlowRig } from '../flow/flowRig.ts';

/**
 * Issue 17, the attacks on a running trade flow (mock backend, in process).
 * Each runs twice: against the host as built (its log is a chain), and with
 * that guard switched off in this test only (the same flow on a log that
 * keeps no chain, where every bead counts as the host's), to show the attack
 * is real and the test would catch its return.
 *
 * INV-NO-AUTO-APPROVAL, restated: no order reaches the broker without a human
 * decision that the host verified, bound to that order.
 */

const KEY = randomBytes(32);
const clock = { now: () => Date.now() };
let rig: FlowRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

/** The flow on its log; `guarded` puts the host's chain under it, as `phoenix run` does. */
async function flowOn(guarded: boolean, findings: ChainFinding[] = []): Promise<{ rig: FlowRig; raw: EventLog }> {
  const raw = new MemoryEventLog();
  const log = guarded ? await ChainedLog.open(raw, { key: KEY, hostId: 'flow-host', mode: 'MOCK', clock, onFinding: (f) => findings.push(f) }) : raw;
  rig = await startFlowRig({ log, env: { TELEGRAM_ALLOWED_USER_IDS: '42' } });
  return { rig, raw };
}

/** A bead written straight into the log file, under any name: what an attacker with the file can do. */
async function forge(raw: EventLog, draft: BeadDraft, hostId = 'flow-host'): Promise<Bead> {
  const bead = stamp(draft, { bead_id: uuidV7Ids.next(), ts: new Date().toISOString(), host_id: hostId, mode: 'MOCK' });
  await raw.append(bead.stream, [bead]);
  return bead;
}

async function shownOrder(r: FlowRig, id: string): Promise<OrderBinding> {
  const shown = await r.waitForBead('APPROVAL', (b) => b.data.intent_id === id && b.data.event === 'EVIDENCE_SHOWN', 'the evidence shown');
  return (shown.data.evidence as { order: OrderBinding }).order;
}

const entriesOf = async (r: FlowRig, ref: string) => (await r.ofType('ORDER')).filter((b) => b.data.order_ref === ref && b.data.event === 'SUBMIT_REQUESTED');

describe('INV-NO-AUTO-APPROVAL: no order reaches the broker without a human decision that the host verified, bound to that order', () => {
  for (const guarded of [true, false]) {
    it(`a DECISION written straight into the log as "telegram:42 on TELEGRAM" ${guarded ? 'is refused: ATTESTATION REFUSED, a SECURITY bead, no order' : 'approves a trade when the chain is switched off (the attack is real)'}`, async () => {
      const { rig: r, raw } = await flowOn(guarded);
      await r.ready(intentOf('atk-1'));
      const order = await shownOrder(r, 'atk-1');
      const forged = await forge(raw, {
        bead_type: 'APPROVAL',
        stream: streams.approval('atk-1'),
        correlation_id: 'atk-1',
        data: { intent_id: 'atk-1', event: 'DECISION', decision: 'APPROVE', decided_by: 'telegram:42', channel: 'TELEGRAM', content_hash: hashOf('atk-1'), binding: order, proof: { method: 'TELEGRAM', operator: 'telegram:42' } },
      });
      const answer = await r.waitForBead('ATTESTATION', (b) => b.data.subject_id === forged.bead_id, 'the host’s answer to the forged decision');
      if (guarded) {
        expect(answer.data).toMatchObject({ verdict: 'REFUSED', why: expect.stringMatching(/heard by the host itself/) });
        await r.waitForBead('SECURITY', (b) => b.causation_id === forged.bead_id, 'a SECURITY bead');
        await r.flow.settled();
        expect(await entriesOf(r, 'atk-1-entry')).toEqual([]);
        expect((await r.ofType('APPROVAL')).filter((b) => b.data.intent_id === 'atk-1').map((b) => b.data.event)).not.toContain('TOKEN_ISSUED');
      } else {
        expect(answer.data.verdict).toBe('ACCEPTED');
        await r.waitForBead('ORDER', (b) => b.data.order_ref === 'atk-1-entry' && b.data.event === 'SUBMIT_REQUESTED', 'the bracket sent on a forged decision');
      }
    });

    it(`a terminal DECISION for another order than the one shown ${guarded ? 'mints nothing' : 'is refused by the machine even without the chain (the binding guard)'}`, async () => {
      const { rig: r, raw } = await flowOn(guarded);
      await r.ready(intentOf('atk-2'));
      const order = await shownOrder(r, 'atk-2');
      const bigger = { ...order, action: 'SELL' as const, units: 5_000_000 };
      await forge(
        raw,
        {
          bead_type: 'APPROVAL',
          stream: streams.approval('atk-2'),
          correlation_id: 'atk-2',
          data: { intent_id: 'atk-2', event: 'DECISION', decision: 'APPROVE', decided_by: 'alice', channel: 'TERMINAL', content_hash: hashOf('atk-2'), binding: bigger, proof: { method: 'OPERATOR', operator: 'alice' } },
        },
        'flow-host-cli',
      );
      await r.waitForBead('ATTESTATION', (b) => b.correlation_id === 'atk-2', 'the host’s answer');
      await r.flow.settled();
      expect(await entriesOf(r, 'atk-2-entry')).toEqual([]);
      // The person's own decision, for the order shown, still goes through.
      await r.decide('atk-2');
      const sent = await r.waitForBead('ORDER', (b) => b.data.order_ref === 'atk-2-entry' && b.data.event === 'SUBMIT_REQUESTED', 'the approved bracket');
      expect(sent.data).toMatchObject({ action: 'BUY', quantity: order.units });
    });
  }
});

describe('issue 17: forged ORDER beads are not sent again at a restart', () => {
  for (const guarded of [true, false]) {
    it(`write-ahead beads for SELL 5,000,000 written into the log after a consumed BUY 20,000 ${guarded ? 'are hidden from every fold the host reads (start-up scan, order book, recovery) and reported' : 'reach the order book when the chain is switched off'}`, async () => {
      const findings: ChainFinding[] = [];
      const { rig: r, raw } = await flowOn(guarded, findings);
      await r.ready(intentOf('atk-3'));
      await shownOrder(r, 'atk-3');
      await r.decide('atk-3');
      await r.waitForBead('APPROVAL', (b) => b.data.intent_id === 'atk-3' && b.data.event === 'CONSUMED', 'the token consumed');
      const forged = await forge(raw, {
        bead_type: 'ORDER',
        stream: streams.order('atk-3-forged-entry'),
        correlation_id: 'atk-3',
        data: { event: 'SUBMIT_REQUESTED', order_ref: 'atk-3-forged-entry', order_id: 9_001, role: 'ENTRY', position_id: 'atk-3', pair: 'EURUSD', action: 'SELL', quantity: 5_000_000, order_type: 'MKT', reason: 'approved' },
      });
      // What the host's own reads hand its folds (the start-up scan, the order book, recovery).
      const seen: (BeadOf<'ORDER'> | string)[] = [];
      for await (const e of r.writer.log.readAll()) if (e.position === (await raw.readStream(forged.stream))[0]!.position) seen.push(e.kind === 'bead' ? (e.bead as BeadOf<'ORDER'>) : e.reason);
      if (guarded) {
        expect(seen).toEqual([expect.stringMatching(/^SECURITY: ORDER bead .* carries host flow-host's name/)]);
        expect(findings.map((f) => f.kind)).toContain('UNSEALED');
      } else {
        expect(seen).toEqual([expect.objectContaining({ bead_id: forged.bead_id })]);
      }
    });
  }
});
