import type { Bead, BeadOf, BeadType } from '../beads/index.ts';
import { isoMillis } from './isoMillis.ts';

/**
 * The facts behind the Phase-2 ops quality (S11), folded from the log and
 * kept with their moments so that any window can be judged later
 * (gatesPhase2.ts): reconciliation drifts; ground truth for alert precision
 * and recall (what bunny vectors declared and their scratch logs raised, and
 * operators' labels); end-to-end flows (intent file seen → entry order
 * acknowledged by the broker); and the time a live host's heartbeats cover.
 * Facts older than the longest window anyone asks about are let go, so the
 * fold stays small on a long log.
 */

export interface OpsOptions {
  /** A heartbeat later than this after the one before leaves a gap (HEARTBEAT_INTERVAL_S + JITTER, time-scaled). */
  gapMs: number;
  /** The longest window that will be judged: older facts are dropped. */
  windowMs: number;
}

export interface Truth {
  at: number;
  bead: string;
  vector: string;
  tp: string[];
  fp: string[];
  fn: string[];
}

export interface Label {
  at: number;
  bead: string;
  alertId: string;
  alertType: string;
  label: 'USEFUL' | 'NOISE';
}

export interface Flow {
  /** When the broker acknowledged the entry. */
  at: number;
  ms: number;
  intentId: string;
  bead: string;
}

export interface OpsState {
  readonly options: OpsOptions;
  latest: number;
  drifts: { at: number; bead: string }[];
  truths: Truth[];
  /** Each alert's latest label (a person may change their mind). */
  labels: Map<string, Label>;
  /** Intent file seen, by intent, until its entry is acknowledged or the approval ends. */
  seen: Map<string, number>;
  flows: Flow[];
  /** The moment of each heartbeat stream's last live beat, while its chain is unbroken. */
  lastLive: Map<string, number>;
  /** Time covered by live heartbeats, merged, in order. */
  covered: [number, number][];
  missed: { at: number; bead: string }[];
  /** Beads that moved time forward since the last pruning. */
  sincePrune: number;
}

/** The bead types the fold reads. */
export const OPS_READS = ['RECONCILIATION', 'BUNNY', 'ALERT_LABEL', 'APPROVAL', 'ORDER', 'HEARTBEAT', 'HOST'] as const satisfies readonly BeadType[];

export function initialOps(options: OpsOptions): OpsState {
  return { options, latest: 0, drifts: [], truths: [], labels: new Map(), seen: new Map(), flows: [], lastLive: new Map(), covered: [], missed: [], sincePrune: 0 };
}

/** A vector's declared alerts against its scratch log's: true positives, false positives, false negatives (by type). */
export function truthOf(bead: BeadOf<'BUNNY'>): Truth | undefined {
  const a = bead.data.alerts;
  if (a === undefined) return undefined;
  const raised = (t: string) => (a.raised[t] ?? 0) > 0;
  return {
    at: isoMillis(bead.ts),
    bead: bead.bead_id,
    vector: bead.data.vector_id,
    tp: a.must_raise.filter(raised),
    fn: a.must_raise.filter((t) => !raised(t)),
    fp: a.must_not_raise.filter(raised),
  };
}

function cover(s: OpsState, from: number, to: number): void {
  const last = s.covered.at(-1);
  if (last && from <= last[1]) last[1] = Math.max(last[1], to);
  else s.covered.push([from, to]);
}

function onHeartbeat(s: OpsState, bead: BeadOf<'HEARTBEAT'>, at: number): void {
  if (bead.data.status === 'MISSED') {
    // The watchdog says the host was late: whatever beat comes next does not cover back across it.
    s.missed.push({ at, bead: bead.bead_id });
    s.lastLive.delete(bead.stream);
    return;
  }
  const prev = s.lastLive.get(bead.stream);
  if (prev !== undefined && at - prev <= s.options.gapMs && at >= prev) cover(s, prev, at);
  s.lastLive.set(bead.stream, at);
}

function onApproval(s: OpsState, bead: BeadOf<'APPROVAL'>, at: number): void {
  const d = bead.data;
  if (d.event === 'RECEIVED') {
    // The first sighting: a restarted host that reads the file again does not restart the clock.
    if (!s.seen.has(d.intent_id)) s.seen.set(d.intent_id, at);
  } else if (['EXPIRED', 'STATE_CONFLICT', 'REJECTED'].includes(d.event)) s.seen.delete(d.intent_id);
}

function onOrder(s: OpsState, bead: BeadOf<'ORDER'>, at: number): void {
  const d = bead.data;
  if (d.role !== 'ENTRY' || (d.event !== 'STATUS' && d.event !== 'RECOVERED')) return;
  const seen = s.seen.get(bead.correlation_id);
  if (seen === undefined) return;
  s.seen.delete(bead.correlation_id);
  s.flows.push({ at, ms: Math.max(0, at - seen), intentId: bead.correlation_id, bead: bead.bead_id });
}

/** Folds one bead in place. */
export function foldOps(s: OpsState, bead: Bead): OpsState {
  const at = isoMillis(bead.ts);
  if (at > s.latest) {
    s.latest = at;
    prune(s);
  }
  switch (bead.bead_type) {
    case 'RECONCILIATION':
      if (bead.data.result === 'DRIFT') s.drifts.push({ at, bead: bead.bead_id });
      break;
    case 'BUNNY': {
      const truth = truthOf(bead);
      if (truth) s.truths.push(truth);
      break;
    }
    case 'ALERT_LABEL':
      s.labels.set(bead.data.alert_id, { at, bead: bead.bead_id, alertId: bead.data.alert_id, alertType: bead.data.alert_type, label: bead.data.label });
      break;
    case 'APPROVAL':
      // A mock desk's flows time a broker that is not there.
      if (bead.mode !== 'MOCK') onApproval(s, bead, at);
      break;
    case 'ORDER':
      if (bead.mode !== 'MOCK') onOrder(s, bead, at);
      break;
    case 'HEARTBEAT':
      onHeartbeat(s, bead, at);
      break;
    case 'HOST':
      // A host that says it stops ends its chain of beats: the time until the next one's first beat is not covered.
      if (bead.data.event === 'STOPPING') s.lastLive.delete(`heartbeat-${bead.host_id}`);
      break;
  }
  return s;
}

/** Lets go of what no window will ask about again; every 64th step of time, so it costs nothing per bead. */
function prune(s: OpsState): void {
  s.sincePrune = (s.sincePrune + 1) % 64;
  if (s.sincePrune !== 0) return;
  const horizon = s.latest - s.options.windowMs;
  const keep = <T extends { at: number }>(list: T[]) => {
    const i = list.findIndex((x) => x.at >= horizon);
    if (i > 0) list.splice(0, i);
    else if (i === -1) list.length = 0;
  };
  keep(s.drifts);
  keep(s.truths);
  keep(s.flows);
  keep(s.missed);
  for (const [id, l] of s.labels) if (l.at < horizon) s.labels.delete(id);
  for (const [id, at] of s.seen) if (at < horizon - s.options.windowMs) s.seen.delete(id);
  const i = s.covered.findIndex((c) => c[1] >= horizon);
  if (i > 0) s.covered.splice(0, i);
  else if (i === -1) s.covered.length = 0;
}

export function foldAllOps(beads: Iterable<Bead>, options: OpsOptions): OpsState {
  const s = initialOps(options);
  for (const b of beads) foldOps(s, b);
  return s;
}
