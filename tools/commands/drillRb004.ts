import { systemClock } from '../../runtime/clock.ts';
import { type Config, loadConfig } from '../../runtime/config/load.ts';
import type { IBKRConnector } from '../../actors/broker/connector.ts';
import { createConnector } from '../../actors/broker/createConnector.ts';
import type { OrderTicket } from '../../actors/broker/submitGuards.ts';
import { DIRECT_HALT_CLIENT_ID_OFFSET, directHalt } from '../../actors/killswitch/directHalt.ts';
import { describeHaltStep } from '../../actors/killswitch/haltRequest.ts';
import type { Logger } from '../../runtime/logger.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import type { DrillSimulator } from './drillSimulator.ts';

/**
 * The RB-004 drill (S8, CV_S33_11): working orders at the simulator, placed
 * by a client of their own as a desk would have them; then the emergency halt
 * exactly as `phoenix halt` runs it with the host down (its own connection,
 * client id IBKR_CLIENT_ID + 1000, global cancel); then the check at the
 * simulator's /state that nothing works any more. The halt's own beads go to
 * a scratch log: a drill must not set the desk's real kill flag.
 */

/** The client that plays the desk's working orders; distinct from the host's and the halt's. */
export const DRILL_ORDER_CLIENT_ID_OFFSET = 2000;

export interface Rb004DrillResult {
  outcome: 'PASS' | 'FAIL';
  /** From the halt request to every working order verified cancelled at the simulator. */
  resolutionMs: number;
  /** The halt's own COMPLETED time (the HALT bead's elapsed_ms). */
  haltMs: number;
  placed: number;
  cancelled: number;
  detail: string;
}

export interface Rb004DrillOptions {
  config: Config;
  sim: DrillSimulator;
  orders: number;
  who: string;
  logger: Logger;
  say(line: string): void;
}

/** The desk's configuration pointed at the simulator, in paper mode whatever the desk runs in. */
function simulatorConfig(config: Config, sim: DrillSimulator): Config {
  return loadConfig(
    {
      IBKR_MODE: 'paper',
      IBKR_HOST: '127.0.0.1',
      IBKR_ACCOUNT: sim.account,
      IBKR_PORT: String(sim.port),
      IBKR_PAPER_PORT: String(sim.port),
      IBKR_LIVE_PORT: String(sim.port === 4001 ? 4002 : 4001),
      IBKR_CLIENT_ID: String(config.IBKR_CLIENT_ID),
      PHOENIX_HOST_ID: config.PHOENIX_HOST_ID,
      TIME_SCALE: String(config.TIME_SCALE),
      LOG_LEVEL: config.LOG_LEVEL,
    },
    config.homeDir,
  );
}

/** Resting orders far from the market, so they work until cancelled: buys far below, sells far above. */
function restingTickets(ids: number[], stamp: string): OrderTicket[] {
  return ids.map((orderId, i) => ({
    orderId,
    orderRef: `drill-rb004-${stamp}-${i + 1}`,
    pair: i % 2 === 0 ? 'EURUSD' : 'GBPUSD',
    action: i % 2 === 0 ? 'BUY' : 'SELL',
    quantity: 1_000,
    orderType: 'LMT',
    limitPrice: i % 2 === 0 ? 0.5 : 9.5,
    role: 'CLOSE',
  }));
}

async function waitForWorking(sim: DrillSimulator, refs: readonly string[], timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await sim.state();
    const working = state.orders.filter((o) => refs.includes(o.orderRef) && o.status === 'Submitted').length;
    if (working === refs.length || Date.now() > deadline) return working;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function runRb004Drill(o: Rb004DrillOptions): Promise<Rb004DrillResult> {
  const simConfig = simulatorConfig(o.config, o.sim);
  const fail = (detail: string, placed = 0): Rb004DrillResult => ({ outcome: 'FAIL', resolutionMs: 0, haltMs: 0, placed, cancelled: 0, detail });
  const desk: IBKRConnector = createConnector({
    config: { ...simConfig, IBKR_CLIENT_ID: o.config.IBKR_CLIENT_ID + DRILL_ORDER_CLIENT_ID_OFFSET },
    clock: systemClock,
    logger: o.logger,
    highestOrderId: 0,
  });
  try {
    const connected = await desk.connect();
    if (!connected.ok) return fail(`could not place the drill's orders: ${connected.reason}`);
    const tickets = restingTickets(desk.orderIds.allocate(o.orders), String(Date.now()));
    for (const ticket of tickets) await desk.placeOrder(ticket);
    const refs = tickets.map((t) => t.orderRef);
    const working = await waitForWorking(o.sim, refs, 10_000);
    if (working !== tickets.length) return fail(`only ${working} of ${tickets.length} drill orders became working at the simulator`, working);
    o.say(`${working} working orders at the simulator (port ${o.sim.port}, account ${o.sim.account}); halting now`);

    const scratch = new MemoryEventLog();
    const requestedAt = Date.now();
    const { outcome } = await directHalt({
      config: simConfig,
      log: scratch,
      clock: systemClock,
      logger: o.logger,
      request: { who: o.who, reason: 'RB-004 drill', flatten: false },
      clientId: o.config.IBKR_CLIENT_ID + DIRECT_HALT_CLIENT_ID_OFFSET,
      onStep: (bead) => o.say(`  ${describeHaltStep(bead)}`),
    });
    const after = await o.sim.state();
    const resolutionMs = Date.now() - requestedAt;
    const cancelled = after.orders.filter((x) => refs.includes(x.orderRef) && x.status === 'Cancelled').length;
    const stillWorking = after.orders.filter((x) => x.status === 'Submitted' || x.status === 'PreSubmitted');
    const flagSet = (await scratch.readStream('killswitch')).some((e) => e.kind === 'bead' && e.bead.bead_type === 'KILL_FLAG' && e.bead.data.state === 'SET');
    const problems = [
      ...(outcome.ok ? [] : [`halt did not complete: ${outcome.detail}`]),
      ...(flagSet ? [] : ['no KILL_FLAG SET bead']),
      ...(cancelled === tickets.length ? [] : [`${tickets.length - cancelled} drill order(s) not cancelled`]),
      ...(stillWorking.length === 0 ? [] : [`${stillWorking.length} order(s) still working at the simulator`]),
    ];
    const facts = `kill flag SET; ${cancelled}/${tickets.length} working orders cancelled at the simulator (verified at /state); halt ${outcome.elapsedMs} ms, resolution ${resolutionMs} ms`;
    return {
      outcome: problems.length === 0 ? 'PASS' : 'FAIL',
      resolutionMs,
      haltMs: outcome.elapsedMs,
      placed: tickets.length,
      cancelled,
      detail: problems.length === 0 ? facts : problems.join('; '),
    };
  } finally {
    await desk.close().catch(() => undefined);
  }
}
