/**
 * The host's broker side (connector, connection actor, fill recorder) wired
 * as `phoenix run` wires it, against the gateway simulator in its own
 * process, with an in-memory log to read the beads back from. Chaos and
 * invariant tests drive the simulator and look at what a person would see:
 * the connection state, the IBKR_SESSION beads, the alerts, the fills.
 */
import { type BrokerSubmitPorts, type RunningBroker, startBroker } from '../../actors/broker/brokerActor.ts';
import type { ConnectionStateName } from '../../actors/broker/connectionActor.ts';
import type { MessagePacer } from '../../actors/broker/pacer.ts';
import type { OrderTicket, SubmitPorts, SubmitRequest } from '../../actors/broker/submitGuards.ts';
import { createApprovalTokens } from '../../actors/broker/tokens.ts';
import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { type Logger, silentLogger } from '../../runtime/logger.ts';
import type { Bead, BeadOf, BeadType } from '../../beads/index.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import type { EventLog } from '../../store/port.ts';
import { waitUntil } from '../support/gatewaySimClient.ts';
import type { GatewaySimHandle } from '../support/gatewaySimProcess.ts';

export interface RigOptions {
  clientId: number;
  timeScale: number;
  /** Reuse a log (a host restart on the same log). */
  log?: EventLog;
  env?: Record<string, string>;
  pacer?: MessagePacer;
  logger?: Logger;
}

export interface Rig {
  broker: RunningBroker;
  log: EventLog;
  beads<T extends BeadType>(type: T): Promise<BeadOf<T>[]>;
  sessions(): Promise<BeadOf<'IBKR_SESSION'>['data'][]>;
  waitForState(states: ConnectionStateName[], timeoutMs?: number): Promise<ConnectionStateName>;
  waitForBead<T extends BeadType>(type: T, match: (b: BeadOf<T>) => boolean, what: string, timeoutMs?: number): Promise<BeadOf<T>>;
  /** The broker's SubmitPorts plus an armed kill flag and real token checks. */
  ports(over?: Partial<SubmitPorts>): SubmitPorts;
  stop(): Promise<void>;
}

export function simEnv(sim: GatewaySimHandle, clientId: number, timeScale: number): Record<string, string> {
  return {
    IBKR_MODE: 'paper',
    IBKR_ACCOUNT: 'DU123456',
    IBKR_PORT: String(sim.port),
    IBKR_PAPER_PORT: String(sim.port),
    IBKR_CLIENT_ID: String(clientId),
    TIME_SCALE: String(timeScale),
    PHOENIX_HOST_ID: 'chaos-host',
  };
}

export async function startRig(sim: GatewaySimHandle, o: RigOptions): Promise<Rig> {
  const config = loadConfig({ ...simEnv(sim, o.clientId, o.timeScale), ...o.env });
  const log = o.log ?? new MemoryEventLog();
  const writer = new BeadWriter({ log, clock: systemClock, ids: uuidV7Ids, hostId: config.PHOENIX_HOST_ID, mode: config.mode });
  const broker = await startBroker({
    config,
    writer,
    clock: systemClock,
    logger: o.logger ?? silentLogger,
    runId: `run-${Date.now()}`,
    ...(o.pacer ? { pacer: o.pacer } : {}),
  });
  const all = async (): Promise<Bead[]> => {
    const out: Bead[] = [];
    for await (const e of log.readAll()) if (e.kind === 'bead') out.push(e.bead);
    return out;
  };
  const beads = async <T extends BeadType>(type: T): Promise<BeadOf<T>[]> =>
    (await all()).filter((b) => b.bead_type === type) as unknown as BeadOf<T>[];
  const tokens = createApprovalTokens({ secret: 'chaos-test-secret-'.repeat(3), ids: uuidV7Ids, consumed: new Set<string>() });
  return {
    broker,
    log,
    beads,
    sessions: async () => (await beads('IBKR_SESSION')).map((b) => b.data),
    waitForState: (states, timeoutMs = 20_000) =>
      waitUntil(() => states.includes(broker.connection.state) && broker.connection.state, `connection in ${states.join('|')}`, timeoutMs, 20),
    async waitForBead<T extends BeadType>(type: T, match: (b: BeadOf<T>) => boolean, what: string, timeoutMs = 20_000): Promise<BeadOf<T>> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = (await beads(type)).find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    ports: (over = {}) => ({ ...(broker.submitPorts() as BrokerSubmitPorts), killFlag: () => 'ARMED', tokens, ...over }),
    stop: () => broker.stop(),
  };
}

/** A resting order far from the market, sent as an EXIT so the chain needs no approval token. */
export function restingExit(account: string, orderId: number, orderRef: string, over: Partial<OrderTicket> = {}): SubmitRequest {
  return {
    kind: 'EXIT',
    account,
    correlationId: `chaos-${orderRef}`,
    authority: { who: 'cli:chaos', reason: 'chaos test' },
    orders: [{ orderId, orderRef, pair: 'EURUSD', action: 'BUY', quantity: 1_000, orderType: 'LMT', limitPrice: 0.5, role: 'CLOSE', ...over }],
  };
}
