import type { Bead, BeadOf } from '../beads/index.ts';
import { describePromotion, PROMOTION_READS, promotionStateOf, replayPromotion } from '../machines/promotionReplay.ts';
import { foldGates, foldPosition, type GateInputs, type GateResult, type GatesState, gateResults, initialGates, paperGatesHold } from './gates.ts';
import { type LiveGateVerdict, liveGate, type PromotionStanding } from './liveGate.ts';
import { ENDED_POSITION_STATES } from './positions.ts';

/**
 * The live gate's evidence folded one kept bead at a time (issue 15 with
 * issue 17): the beads a chain reader kept (runtime/chain/liveGateFold.ts
 * judges which), tied to the broker as runtime/chain/liveGate.ts ties them
 * after a whole read: a host's sessions and heartbeats count only once the
 * host has a kept PAPER CONNECT to a DU account, and a position only once a
 * kept FILL with an execution id, on such a host, stands behind it. A tie
 * may come later in the log than what it ties, so the state keeps, bounded:
 * each host's sessions and heartbeats folded on their own (with where each
 * fact the gates read first held), the paper positions no fill ties yet
 * (dropped when one ends unfilled and unclosed: folded later it would change
 * nothing), and the position ids of fills from hosts not yet on paper.
 * Never an array of the log.
 */

export interface HostEvidence {
  /** This host's IBKR_SESSION and HEARTBEAT beads, folded as if alone (each writes its own streams). */
  gates: GatesState;
  /** Where in the log each fact the gates read was first met on this host. */
  connectAt?: number;
  drillAt?: number;
  beatsAt?: number;
}

export interface ChainedGatesState {
  /** Everything but sessions and heartbeats, and positions only once tied. */
  gates: GatesState;
  hosts: Map<string, HostEvidence>;
  paperHosts: Set<string>;
  /** Positions a kept paper fill ties to the broker. */
  executed: Set<string>;
  /** Position ids of kept fills from hosts not (yet) on paper. */
  fillsOf: Map<string, Set<string>>;
  /** Paper POSITION beads no fill ties yet, with the session each belonged to where it was written. */
  untied: Map<string, { bead: BeadOf<'POSITION'>; session: string | undefined }[]>;
  /** The kept beads the promotion machine reads (few: transitions, changes, verdicts). */
  promotion: Bead[];
  /** Beads the chain did not keep. */
  unproven: number;
}

export function initialChainedGates(): ChainedGatesState {
  return { gates: initialGates(), hosts: new Map(), paperHosts: new Set(), executed: new Set(), fillsOf: new Map(), untied: new Map(), promotion: [], unproven: 0 };
}

const READS_PROMOTION: ReadonlySet<string> = new Set(PROMOTION_READS);

/** One bead the chain kept, at its place in the log. */
export function foldKept(s: ChainedGatesState, bead: Bead, position: number): ChainedGatesState {
  if (READS_PROMOTION.has(bead.bead_type)) s.promotion.push(bead);
  switch (bead.bead_type) {
    case 'IBKR_SESSION':
    case 'HEARTBEAT':
      onHostFact(s, bead, position);
      break;
    case 'FILL':
      onFill(s, bead);
      break;
    case 'POSITION':
      onPosition(s, bead);
      break;
    default:
      foldGates(s.gates, bead);
  }
  return s;
}

/** One bead the chain did not keep. */
export function foldUnproven(s: ChainedGatesState): ChainedGatesState {
  s.unproven += 1;
  return s;
}

function onHostFact(s: ChainedGatesState, bead: BeadOf<'IBKR_SESSION'> | BeadOf<'HEARTBEAT'>, position: number): void {
  const host = hostOf(s, bead.host_id);
  foldGates(host.gates, bead);
  host.connectAt ??= host.gates.paperConnect === undefined ? undefined : position;
  host.drillAt ??= host.gates.disconnectDrill === undefined ? undefined : position;
  host.beatsAt ??= host.gates.regularBeats === undefined ? undefined : position;
  if (bead.bead_type === 'IBKR_SESSION' && bead.data.mode === 'PAPER' && bead.data.event === 'CONNECT' && bead.data.account.startsWith('DU')) onPaper(s, bead.host_id);
}

function hostOf(s: ChainedGatesState, hostId: string): HostEvidence {
  let host = s.hosts.get(hostId);
  if (!host) {
    host = { gates: initialGates() };
    s.hosts.set(hostId, host);
  }
  return host;
}

function onPaper(s: ChainedGatesState, hostId: string): void {
  if (s.paperHosts.has(hostId)) return;
  s.paperHosts.add(hostId);
  for (const positionId of s.fillsOf.get(hostId) ?? []) tie(s, positionId);
  s.fillsOf.delete(hostId);
}

function onFill(s: ChainedGatesState, bead: BeadOf<'FILL'>): void {
  const positionId = bead.data.position_id;
  if (bead.data.exec_id.trim() === '' || !positionId) return;
  if (s.paperHosts.has(bead.host_id)) {
    tie(s, positionId);
    return;
  }
  const fills = s.fillsOf.get(bead.host_id) ?? new Set<string>();
  s.fillsOf.set(bead.host_id, fills);
  fills.add(positionId);
}

function tie(s: ChainedGatesState, positionId: string): void {
  if (s.executed.has(positionId)) return;
  s.executed.add(positionId);
  for (const held of s.untied.get(positionId) ?? []) foldPosition(s.gates, held.bead, held.session);
  s.untied.delete(positionId);
}

function onPosition(s: ChainedGatesState, bead: BeadOf<'POSITION'>): void {
  const id = bead.data.position_id;
  if (s.executed.has(id)) {
    foldGates(s.gates, bead);
    return;
  }
  // Only paper positions move a gate.
  if (bead.mode !== 'PAPER') return;
  const held = s.untied.get(id) ?? [];
  held.push({ bead, session: s.gates.sessionOf.get(bead.host_id) });
  // Ended unfilled and unclosed: a fill tying it later would fold a life that ends at once, and no close.
  if (ENDED_POSITION_STATES.has(bead.data.state) && !held.some((h) => h.bead.data.state === 'CLOSED')) s.untied.delete(id);
  else s.untied.set(id, held);
}

/** The facts the gates read from sessions and heartbeats: each the first met, in log order, on a host tied to paper. */
function withPaperHosts(s: ChainedGatesState): GatesState {
  const first = <K extends 'connectAt' | 'drillAt' | 'beatsAt'>(at: K) => {
    let best: HostEvidence | undefined;
    for (const id of s.paperHosts) {
      const host = s.hosts.get(id);
      if (host?.[at] !== undefined && (best === undefined || host[at]! < best[at]!)) best = host;
    }
    return best?.gates;
  };
  const connect = first('connectAt');
  const drill = first('drillAt');
  const beats = first('beatsAt');
  return {
    ...s.gates,
    ...(connect ? { paperConnect: connect.paperConnect } : {}),
    ...(drill ? { disconnectDrill: drill.disconnectDrill } : {}),
    ...(beats ? { regularBeats: beats.regularBeats } : {}),
  };
}

export interface ChainedGatesVerdict {
  /** The paper gates (P1-1…P1-6, P1-8) hold on the kept, tied evidence. */
  holds: boolean;
  gates: GateResult[];
  unproven: number;
  /** With `promotion`: the promotion machine replayed from the kept beads, and the live gate in full on it. */
  promotion?: PromotionStanding;
  live?: LiveGateVerdict;
}

export function chainedGatesVerdict(s: ChainedGatesState, inputs: GateInputs = {}, promotion?: { windowMs: number }): ChainedGatesVerdict {
  const gates = gateResults(withPaperHosts(s), inputs);
  if (!promotion) return { holds: paperGatesHold(gates), gates, unproven: s.unproven };
  const replay = replayPromotion(s.promotion, { windowMs: promotion.windowMs, startedAt: 0 });
  const standing: PromotionStanding = { state: promotionStateOf(replay.snapshot), description: describePromotion(replay.snapshot) };
  const live = liveGate(gates, standing);
  return { holds: live.open, gates, unproven: s.unproven, promotion: standing, live };
}
