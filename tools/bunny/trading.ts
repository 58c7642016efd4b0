/**
 * The trading a vector needs before its fault, done the way the desk does
 * it: the signal engine's intent file (`phoenix mock-cse`), the person's
 * decision (`phoenix approve`), the host's bracket at the simulator.
 */
import type { BeadOf } from '../../beads/index.ts';
import { approveCommand } from '../commands/approve.ts';
import { mockCseCommand } from '../commands/mockCse.ts';
import type { ScratchDesk } from './desk.ts';
import { CheckFailed, type Judge } from './judge.ts';

export const ENTRY_PRICE = 1.085;

export interface IntentShape {
  entry?: string;
  stop?: string;
  target?: string;
  createdAt?: string;
}

/** `phoenix mock-cse --signal READY --pair EURUSD …`: a long with a 30-pip stop and a 60-pip target. */
export async function dropIntent(desk: ScratchDesk, id: string, o: IntentShape = {}): Promise<void> {
  const args = ['--signal', 'READY', '--pair', 'EURUSD', '--confidence', '0.85', '--entry', o.entry ?? '1.0850', '--stop', o.stop ?? '1.0820', '--target', o.target ?? '1.0910'];
  args.push('--setup-type', 'FVG_ENTRY', '--intent-id', id);
  if (o.createdAt) args.push('--created-at', o.createdAt);
  const ran = await desk.cli(mockCseCommand, args);
  if (ran.code !== 0) throw new CheckFailed(`phoenix mock-cse for ${id} exited ${ran.code}: ${ran.stderr.trim()}`);
}

/** `phoenix approve <id> --yes`; the exit code says whether the decision was recorded. */
export function approve(desk: ScratchDesk, id: string) {
  return desk.cli(approveCommand, [id, '--yes', '--as', 'bunny']);
}

/** Waits for the host to show the evidence for an intent (the approval is then awaiting a person). */
export function evidenceShown(desk: ScratchDesk, id: string, timeoutMs = 20_000) {
  return desk.waitFor('APPROVAL', (b) => b.data.intent_id === id && b.data.event === 'EVIDENCE_SHOWN', `EVIDENCE_SHOWN for intent ${id}`, timeoutMs);
}

/** Intent → evidence → approve → the position MANAGED: entry filled, stop and target working at the simulator. */
export async function openPosition(desk: ScratchDesk, judge: Judge, id: string, timeoutMs = 30_000): Promise<BeadOf<'POSITION'>> {
  await desk.sim.control('set-price', { pair: 'EURUSD', price: ENTRY_PRICE });
  await dropIntent(desk, id);
  await evidenceShown(desk, id, timeoutMs);
  const ran = await approve(desk, id);
  judge.ensure(ran.code === 0, `phoenix approve ${id} records the decision`, `exit ${ran.code}${ran.code === 0 ? '' : `: ${ran.stderr.trim()}`}`);
  return desk.waitFor('POSITION', (b) => b.data.position_id === id && b.data.state === 'MANAGED', `POSITION ${id} MANAGED (entry filled, stop and target working)`, timeoutMs);
}

/** The simulator's orders for a position (by its orderRef prefix). */
export async function simOrdersOf(desk: ScratchDesk, id: string) {
  return (await desk.sim.state()).orders.filter((o) => o.orderRef.startsWith(`${id}-`));
}

/** Order ids the log gave each order ref: a ref with two ids, or an id with two refs, is an id reused. */
export function idsByRef(orders: readonly BeadOf<'ORDER'>[]): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const o of orders) {
    if (o.data.order_id === undefined) continue;
    const ids = out.get(o.data.order_ref) ?? new Set<number>();
    ids.add(o.data.order_id);
    out.set(o.data.order_ref, ids);
  }
  return out;
}

/** Order ids used for more than one order ref, as the log and the simulator tell it. */
export function reusedIds(refsById: Iterable<[number, string]>): number[] {
  const seen = new Map<number, Set<string>>();
  for (const [id, ref] of refsById) {
    const refs = seen.get(id) ?? new Set<string>();
    refs.add(ref);
    seen.set(id, refs);
  }
  return [...seen].filter(([, refs]) => refs.size > 1).map(([id]) => id);
}

/** Telegram messages the stand-in accepted whose text matches. */
export async function messagesAt(desk: ScratchDesk, pattern: RegExp) {
  const state = await desk.tg.state();
  return state.messages.filter((m) => pattern.test(m.text));
}
