import type { Bead, BeadType, BeadOf } from '../beads/index.ts';

/**
 * What the log says about each intent id: the fold the file seam reads to
 * refuse duplicates, and that views use to list intents. Pure: no I/O, no clock.
 *
 * An ACCEPTED bead settles an id for good. A refusal does not reserve the id,
 * so a writer may fix a refused file and send it again; once accepted, any
 * later file with the same id is a duplicate (counted in `refusals`).
 *
 * The view is an accumulator owned by whoever folds into it: foldIntents
 * updates it in place and returns it, so replaying a million beads costs no
 * copies. Take a snapshot with cloneIntentsView before handing it out.
 */
export interface IntentRecord {
  intent_id: string;
  outcome: 'ACCEPTED' | 'REJECTED';
  /** The INTENT bead that settled the outcome: the acceptance, or the latest refusal. */
  bead_id: string;
  signal?: 'READY' | 'FORMING' | 'NONE';
  source_file: string;
  content_hash?: string;
  /** Refusals seen: in total while refused, or since the acceptance (duplicates). */
  refusals: number;
}

export interface IntentsView {
  byId: Map<string, IntentRecord>;
  /** Refused files whose intent_id could not be read. */
  refusedWithoutId: number;
}

export function emptyIntentsView(): IntentsView {
  return { byId: new Map(), refusedWithoutId: 0 };
}

export function cloneIntentsView(view: IntentsView): IntentsView {
  return { byId: new Map([...view.byId].map(([id, r]) => [id, { ...r }])), refusedWithoutId: view.refusedWithoutId };
}

/** The bead types foldIntents reads. */
export const INTENTS_READS = ['INTENT'] as const satisfies readonly BeadType[];

/** Folds one bead into the view; beads other than INTENT leave it untouched. */
export function foldIntents(view: IntentsView, bead: Bead): IntentsView {
  if (bead.bead_type === 'INTENT') applyIntent(view, bead);
  return view;
}

function applyIntent(view: IntentsView, bead: BeadOf<'INTENT'>): void {
  const data = bead.data;
  const id = data.outcome === 'ACCEPTED' ? data.intent.intent_id : data.intent_id;
  if (id === undefined) {
    view.refusedWithoutId += 1;
    return;
  }
  const before = view.byId.get(id);
  if (data.outcome === 'ACCEPTED') {
    // The seam never accepts an id twice; should a log hold two, the first stands.
    if (before?.outcome === 'ACCEPTED') return;
    view.byId.set(id, {
      intent_id: id,
      outcome: 'ACCEPTED',
      bead_id: bead.bead_id,
      signal: data.intent.signal,
      source_file: data.source_file,
      content_hash: data.content_hash,
      refusals: 0,
    });
  } else if (before?.outcome === 'ACCEPTED') {
    before.refusals += 1;
  } else {
    view.byId.set(id, {
      intent_id: id,
      outcome: 'REJECTED',
      bead_id: bead.bead_id,
      source_file: data.source_file,
      refusals: (before?.refusals ?? 0) + 1,
      ...(data.content_hash === undefined ? {} : { content_hash: data.content_hash }),
    });
  }
}

export function foldAllIntents(beads: Iterable<Bead>, into: IntentsView = emptyIntentsView()): IntentsView {
  for (const bead of beads) foldIntents(into, bead);
  return into;
}

export function intentRecord(view: IntentsView, intentId: string): IntentRecord | undefined {
  return view.byId.get(intentId);
}

export function isAcceptedIntent(view: IntentsView, intentId: string): boolean {
  return view.byId.get(intentId)?.outcome === 'ACCEPTED';
}
