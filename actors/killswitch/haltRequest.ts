import { type Bead, type BeadDraft, type BeadOf, streams } from '../../beads/index.ts';
import { type HumanActor, requesterOf } from '../../machines/types.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import type { EventLog, LogPosition } from '../../store/port.ts';

/**
 * The halt request (RB-004) as it travels on the log. `phoenix halt` and the
 * Telegram /halt append a HALT STARTED bead; the host sees it through its
 * subscription and writes the later steps under the same correlation id, so
 * whoever asked can follow its own halt to COMPLETED or FAILED.
 */

export type HaltBead = BeadOf<'HALT'>;
export type HaltStep = HaltBead['data']['step'];

export interface HaltRequest {
  /** The correlation id every bead of this halt carries. */
  haltId: string;
  /** The STARTED bead: the cause of every later step. */
  startedBeadId: string;
  /** `cli:alice`, `telegram:42`. */
  who: string;
  reason: string;
  flatten: boolean;
  /** Epoch ms of the request: halt timings count from the moment a person asked. */
  requestedAt: number;
}

/**
 * Marks a halt the requesting process carries out itself because no live host
 * holds the log. A host that starts meanwhile must not execute it a second
 * time: a second global cancel is harmless, a second flatten is a new position.
 */
export const DIRECT_HALT_DETAIL = 'direct: executed by the requesting process, no live host holds the lease';

export function haltRequestDraft(request: { who: string; reason: string; flatten: boolean; direct?: boolean }): BeadDraft {
  return {
    bead_type: 'HALT',
    stream: streams.halt,
    correlation_id: `halt-${uuidV7Ids.next()}`,
    data: {
      step: 'STARTED',
      flatten: request.flatten,
      who: request.who,
      reason: request.reason,
      ...(request.direct ? { detail: DIRECT_HALT_DETAIL } : {}),
    },
  };
}

/** A STARTED bead as a request; undefined for any other bead. */
export function haltRequestOf(bead: Bead): (HaltRequest & { direct: boolean }) | undefined {
  if (bead.bead_type !== 'HALT' || bead.data.step !== 'STARTED') return undefined;
  return {
    haltId: bead.correlation_id,
    startedBeadId: bead.bead_id,
    who: bead.data.who ?? 'unknown',
    reason: bead.data.reason ?? 'operator halt',
    flatten: bead.data.flatten,
    requestedAt: Date.parse(bead.ts),
    direct: bead.data.detail === DIRECT_HALT_DETAIL,
  };
}

/** The person behind a request's `who`; an odd spelling still halts (a halt is never refused for want of a name). */
export function haltRequester(who: string): HumanActor {
  const requester = requesterOf(who);
  return requester?.kind === 'human' ? requester : { kind: 'human', id: who.replace(/:/g, '_') || 'unknown', channel: 'CLI' };
}

export const isFinalStep = (step: HaltStep) => step === 'COMPLETED' || step === 'FAILED';

export type HaltFollowOutcome = { final: HaltBead; steps: HaltBead[] } | { timedOut: true; steps: HaltBead[] };

/**
 * Follows one halt's beads from `after` (the request's position) until its
 * COMPLETED or FAILED, calling `onStep` as each lands; gives up after
 * `timeoutMs`, which leaves the request in the log for the host to finish.
 */
export function followHalt(
  log: EventLog,
  haltId: string,
  options: { after: LogPosition; timeoutMs: number; onStep?: (bead: HaltBead) => void },
): Promise<HaltFollowOutcome> {
  const steps: HaltBead[] = [];
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: HaltFollowOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void subscription.stop();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ timedOut: true, steps }), options.timeoutMs);
    const subscription = log.subscribe(
      (entry) => {
        if (entry.kind !== 'bead' || entry.bead.bead_type !== 'HALT' || entry.bead.correlation_id !== haltId) return;
        const bead = entry.bead;
        if (bead.data.step === 'STARTED') return;
        steps.push(bead);
        options.onStep?.(bead);
        if (isFinalStep(bead.data.step)) finish({ final: bead, steps });
      },
      { after: options.after },
    );
  });
}

/** One line per step, for the terminal and the phone. */
export function describeHaltStep(bead: HaltBead): string {
  const d = bead.data;
  const at = d.elapsed_ms === undefined ? '' : ` (+${Math.round(d.elapsed_ms)} ms)`;
  switch (d.step) {
    case 'STARTED':
      return `halt requested by ${d.who ?? 'unknown'}${d.flatten ? ' with --flatten' : ''}: ${d.reason ?? ''}`;
    case 'ORDERS_CANCELLED':
      return `${d.count ?? 0} working order(s) cancelled by IB's global cancel${at}${d.detail ? `: ${d.detail}` : ''}`;
    case 'POSITIONS_FLATTENED':
      return `${d.count ?? 0} position(s) closed at market${at}${d.detail ? `: ${d.detail}` : ''}`;
    case 'COMPLETED':
      return `halt COMPLETED in ${Math.round(d.elapsed_ms ?? 0)} ms${d.detail ? `: ${d.detail}` : ''}`;
    case 'FAILED':
      return `halt FAILED after ${Math.round(d.elapsed_ms ?? 0)} ms: ${d.detail ?? 'no detail'}`;
  }
}
