import { join } from 'node:path';
import { EventName, IBApi, OrderAction, OrderType, SecType } from '@stoqey/ib';
import { startBroker } from '../actors/broker/brokerActor.ts';
import { DEFAULT_PACER } from '../actors/broker/pacer.ts';
import { type EntryRequest, submitGuarded } from '../actors/broker/submitGuards.ts';
import { bindingFor, entryBracket } from '../actors/flow/entryBracket.ts';
import { sampleIntent } from '../test/support/sampleIntent.ts';
import { createApprovalTokens, recordedHumanDecision } from '../actors/broker/tokens.ts';
import { isoAt, systemClock } from '../runtime/clock.ts';
import { loadConfig } from '../runtime/config/load.ts';
import { BeadWriter } from '../runtime/beadWriter.ts';
import { silentLogger } from '../runtime/logger.ts';
import { stamp } from '../beads/index.ts';
import { uuidV7Ids } from '../store/ids.ts';
import { SqliteEventLog } from '../store/sqlite.ts';
import { startGatewaySim } from '../test/support/gatewaySimProcess.ts';
import { tapAlignment, WireTap } from './wireTap.ts';
import { percentile } from './stats.ts';
import type { Measure } from './table.ts';

/**
 * B3 (S13), the send half of the order path: from an approved decision in
 * hand, through the whole submit guard chain (account, port, kill flag,
 * active pair, token redeem, pacing, the write-ahead ORDER bead, durable in
 * SQLite) and the real @stoqey/ib client, to the placeOrder bytes arriving at
 * the gateway simulator. The baseline, in the same run and through the same
 * relay, is a bare IBApi.placeOrder with nothing in front of it.
 */

const WARMUP = 20;
const SAMPLES = 200;
/** A bracket is three orders: spaced below the order pacing rate, the bench measures the path, not the pacer's queue. */
const BRACKET_ORDERS = 3;
const SPACING_MS = Math.ceil((BRACKET_ORDERS * 1000) / DEFAULT_PACER.ordersPerSecond) + 10;
const HASH = 'sha256:bench';
const RAW_FIRST_ID = 5_000_000;

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`B3: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function benchOrderPath(dir: string): Promise<Measure[]> {
  const sim = await startGatewaySim({ serverVersion: 193, nextValidId: 1 });
  const tap = new WireTap(sim.port);
  const port = String(await tap.listen());
  const config = loadConfig({
    IBKR_MODE: 'paper',
    IBKR_ACCOUNT: 'DU123456',
    IBKR_PORT: port,
    IBKR_PAPER_PORT: port,
    IBKR_CLIENT_ID: '1',
    PHOENIX_HOST_ID: 'bench-b3',
  });
  const log = new SqliteEventLog(join(dir, 'b3.db'));
  const writer = new BeadWriter({ log, clock: systemClock, ids: uuidV7Ids, hostId: 'bench-b3', mode: 'PAPER' });
  const broker = await startBroker({ config, writer, clock: systemClock, logger: silentLogger, runId: 'bench-b3' });
  const raw = new IBApi({ host: '127.0.0.1', port: tap.port, maxReqPerSec: 50 });
  let rawReady = false;
  raw.on(EventName.nextValidId, () => {
    rawReady = true;
  });
  raw.connect(2);
  try {
    await until(() => broker.connection.connected && rawReady, 'both clients to connect');
    const tokens = createApprovalTokens({ secret: 'b3-bench-secret-'.repeat(3), ids: uuidV7Ids, consumed: new Set<string>() });
    const brokerPorts = broker.submitPorts();
    // The durable append is timed on its own: on a slow disk it is most of the path, and B1 is its benchmark.
    let writeAheadMs = 0;
    const ports = {
      ...brokerPorts,
      killFlag: () => 'ARMED' as const,
      tokens,
      appendWriteAhead: async (...args: Parameters<typeof brokerPorts.appendWriteAhead>) => {
        const start = performance.now();
        const appended = await brokerPorts.appendWriteAhead(...args);
        writeAheadMs = performance.now() - start;
        return appended;
      },
    };
    const contract = { symbol: 'EUR', currency: 'USD', secType: SecType.CASH, exchange: 'IDEALPRO' };
    const ours: number[] = [];
    const bare: number[] = [];
    const writeAheads: number[] = [];

    for (let i = 0; i < WARMUP + SAMPLES; i += 1) {
      // The approval happened before: mint the token outside the timed path, from a recorded decision.
      const intentId = `b3-${i}`;
      const intent = sampleIntent({ intent_id: intentId });
      const binding = bindingFor(intent, 1_000, 'DU123456');
      const decisionBead = stamp(
        {
          bead_type: 'APPROVAL',
          stream: `approval-${intentId}`,
          correlation_id: intentId,
          data: { intent_id: intentId, event: 'DECISION', decision: 'APPROVE', decided_by: 'bench', channel: 'TERMINAL', content_hash: HASH, binding },
        },
        { bead_id: uuidV7Ids.next(), ts: isoAt(Date.now()), host_id: 'bench-b3', mode: 'PAPER' },
      );
      // Issue 17: the host verified the decision (its ATTESTATION), and the token is bound to exactly this bracket.
      const decision = recordedHumanDecision(decisionBead, { attestationId: `b3-attestation-${i}` });
      if (!decision.ok) throw new Error(decision.why);
      const minted = tokens.mint({ decision: decision.decision, contentHash: HASH, binding, expiresAt: Date.now() + 60_000 });
      if (!minted.ok) throw new Error(minted.why);
      const ids = broker.connector.orderIds.allocate(BRACKET_ORDERS) as [number, number, number];
      const orderId = ids[0];
      const request: EntryRequest = {
        kind: 'ENTRY',
        account: 'DU123456',
        approval: { token: minted.token, intentId, contentHash: HASH, binding },
        orders: entryBracket(intent, binding.units, ids),
      };

      // Alternate who goes first, so whatever else the box does lands on both.
      const runOurs = async () => {
        const t0 = performance.now();
        const result = await submitGuarded(request, ports);
        if (result.outcome !== 'SENT') throw new Error(`B3: order refused: ${JSON.stringify(result)}`);
        return (await tap.arrival(orderId)) - t0;
      };
      const runBare = async () => {
        const id = RAW_FIRST_ID + i;
        const t0 = performance.now();
        raw.placeOrder(id, contract, { action: OrderAction.BUY, orderType: OrderType.LMT, lmtPrice: 0.5, totalQuantity: 1_000, transmit: true });
        return (await tap.arrival(id)) - t0;
      };
      let a: number;
      let b: number;
      if (i % 2 === 0) {
        a = await runOurs();
        b = await runBare();
      } else {
        b = await runBare();
        a = await runOurs();
      }
      if (i >= WARMUP) {
        ours.push(a);
        bare.push(b);
        writeAheads.push(writeAheadMs);
      }
      await new Promise((r) => setTimeout(r, SPACING_MS));
    }
    raw.reqGlobalCancel();

    const p50 = percentile(ours, 50);
    const p99 = percentile(ours, 99);
    const bareP50 = percentile(bare, 50);
    const bareP99 = percentile(bare, 99);
    return [
      tapAlignment(tap),
      {
        id: 'B3',
        what: `order path p50: guard chain + token + durable write-ahead + send → placeOrder bytes at the simulator (${SAMPLES} orders)`,
        value: p50,
        unit: 'ms',
        target: { atMost: 2 },
        ratio: { value: bareP50 / p50, baseline: `bare IBApi.placeOrder (p50 ${bareP50.toFixed(3)} ms)` },
      },
      {
        id: 'B3',
        what: 'order path p99, same path',
        value: p99,
        unit: 'ms',
        target: { atMost: 10 },
        ratio: { value: bareP99 / p99, baseline: `bare IBApi.placeOrder (p99 ${bareP99.toFixed(3)} ms)` },
      },
      {
        id: 'B3',
        what: 'of which the durable write-ahead ORDER bead (SQLite, synchronous=FULL) p50',
        value: percentile(writeAheads, 50),
        unit: 'ms',
      },
      {
        id: 'B3',
        what: 'of which the durable write-ahead ORDER bead p99',
        value: percentile(writeAheads, 99),
        unit: 'ms',
      },
    ];
  } finally {
    raw.disconnect();
    await broker.stop();
    await log.close();
    await tap.close();
    await sim.stop();
  }
}
