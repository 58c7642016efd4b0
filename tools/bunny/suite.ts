import { SWEEPS } from '../../machines/promotionSweeps.ts';
import { COMPONENTS, type Component, type Vector } from './vector.ts';
import { alertStorm, telegramBlocked } from './vectors/alerts.ts';
import { gatewayAutoUpdate, gatewayKilled, gatewayRestarted } from './vectors/gateway.ts';
import { clientIdInUse, fillsDuringDisconnect, halfOpen, killBetweenWriteAheadAndAck, nextValidIdRollback } from './vectors/further.ts';
import { heartbeatJitter, hostKilled, orderStatusStale } from './vectors/host.ts';
import { haltDrill, invalidOrder, orderSpam, staleApproval, wrongAccount } from './vectors/orders.ts';
import { esdbUnreachable, logNotWritable } from './vectors/logDown.ts';
import { liveDrift, parameterChange } from './vectors/safety.ts';

/**
 * The bunny suite: S10's 15 seed vectors in waves, then its 7 further
 * faults as the last wave, and the sweep table the promotion machine uses
 * (S3.6: a parameter change sweeps at most 5 vectors of the changed
 * component).
 */

export const WAVES: Record<number, string> = {
  1: 'the gateway',
  2: 'the host, its heartbeat and its alerts',
  3: 'approvals, orders, halt, drift and parameters',
  4: 'the further faults of S10',
};

/** Every vector, in run order: wave by wave, each wave in the seed table's order. */
export const VECTORS: readonly Vector[] = [
  gatewayKilled, gatewayRestarted, gatewayAutoUpdate, hostKilled, orderStatusStale, heartbeatJitter, telegramBlocked, alertStorm,
  staleApproval, invalidOrder, haltDrill, liveDrift, wrongAccount, orderSpam, parameterChange,
  halfOpen, clientIdInUse, nextValidIdRollback, killBetweenWriteAheadAndAck, fillsDuringDisconnect, logNotWritable, esdbUnreachable,
];

/** Component → its vectors (at most 5): the one table, in machines/promotionSweeps.ts, that the promotion machine reads too. */
export { SWEEPS };

/** Names an operator may use for a component. */
const ALIASES: Record<string, Component> = { position: 'flow', 'flow/position': 'flow', telegram: 'notify', alerts: 'notify', watchdog: 'monitor', heartbeat: 'monitor', gateway: 'broker' };

export function componentOf(name: string): Component | undefined {
  const key = name.trim().toLowerCase();
  return (COMPONENTS as readonly string[]).includes(key) ? (key as Component) : ALIASES[key];
}

export function vectorById(id: string): Vector | undefined {
  const key = id.trim().toUpperCase();
  return VECTORS.find((v) => v.id === key);
}

export interface Selection {
  vectors: Vector[];
  scope: 'FULL' | 'PARTIAL' | 'SWEEP';
  /** How the selection reads in the report: "all 22 vectors", "wave 2", "sweep broker". */
  label: string;
}

/** --vector, --wave and --sweep together select their union, in suite order; none of them is the full run. */
export function select(o: { vectors: string[]; waves: number[]; sweeps: Component[] }): Selection {
  if (o.vectors.length === 0 && o.waves.length === 0 && o.sweeps.length === 0) return { vectors: [...VECTORS], scope: 'FULL', label: `all ${VECTORS.length} vectors` };
  const wanted = new Set<string>([...o.vectors, ...VECTORS.filter((v) => o.waves.includes(v.wave)).map((v) => v.id), ...o.sweeps.flatMap((c) => SWEEPS[c])]);
  const parts = [...(o.vectors.length ? [`vector ${o.vectors.join(', ')}`] : []), ...o.waves.map((w) => `wave ${w}`), ...o.sweeps.map((c) => `sweep ${c}`)];
  const onlySweep = o.vectors.length === 0 && o.waves.length === 0;
  return { vectors: VECTORS.filter((v) => wanted.has(v.id)), scope: onlySweep ? 'SWEEP' : 'PARTIAL', label: parts.join(' + ') };
}
