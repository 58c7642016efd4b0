import { z } from 'zod';
import { IntentSchema, ModeSchema } from '../../beads/index.ts';
import type { ApprovalEvidence } from '../../machines/approval.ts';
import type { DashboardView } from '../../projections/dashboardView.ts';
import { evidenceWarnings } from '../approval/evidence.ts';
import { type EvidenceSection, evidenceSections } from '../approval/render.ts';

/**
 * A pending approval's evidence as the page shows it: the rows the terminal
 * and Telegram show (actors/approval/render.ts), sent as data so the page
 * only lays them out. The record comes from a bead, and a bead may be of an
 * older version or written by anything that can append: it is parsed here,
 * and what does not parse is named rather than rendered.
 */
export interface ReadableEvidence {
  /** Said first, as the terminal says them. */
  warnings: string[];
  sections: EvidenceSection[];
  /** Why there are no sections. */
  note?: string;
}

const num = z.number();
const side = z.enum(['LONG', 'SHORT']);

// Typed against ApprovalEvidence, so a field the bundle gains and this misses fails the type-check.
const EvidenceSchema: z.ZodType<ApprovalEvidence> = z.object({
  intent: IntentSchema,
  content_hash: z.string(),
  price: z.object({ bid: num.optional(), ask: num.optional(), mid: num, at: z.string() }).nullable(),
  anchor: z.object({ created_at: z.string(), age_s: num, stale_after_s: num }),
  risk: z.object({
    side,
    units: num,
    pips_to_stop: num,
    pips_to_target: num,
    pips_price_to_stop: num.nullable(),
    money_at_risk: num,
    money_to_target: num,
    reward_to_risk: num,
    currency: z.string(),
  }),
  account: z.object({
    balance: num.nullable(),
    currency: z.string().nullable(),
    open_positions: z.array(z.object({ position_id: z.string(), pair: z.string(), side, quantity: num, state: z.string(), unrealised_pnl: num.optional() })),
  }),
  health: z.object({ status: z.string().nullable(), checked_at: z.string().nullable(), mode: ModeSchema }),
  paper_validation: z.object({ summary: z.string(), gates: z.array(z.object({ id: z.string(), name: z.string(), status: z.string(), detail: z.string() })) }),
  assembled_at: z.string(),
});

export function readableEvidence(recorded: Record<string, unknown>): ReadableEvidence {
  // RECEIVED records the intent and the timers; the bundle comes with EVIDENCE_SHOWN.
  if (!('assembled_at' in recorded)) return { warnings: [], sections: [], note: 'the evidence bundle is not assembled yet' };
  const parsed = EvidenceSchema.safeParse(recorded);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    return { warnings: [], sections: [], note: `the recorded evidence cannot be read (${where}${issue?.message ?? 'unknown shape'}); phoenix replay shows the bead` };
  }
  return { warnings: evidenceWarnings(parsed.data), sections: evidenceSections(parsed.data) };
}

export type ApprovalWithEvidence = DashboardView['approvals']['pending'][number] & { evidence_readable?: ReadableEvidence };

/** The view with each pending approval's evidence also as readable rows. */
export type ReadableView = Omit<DashboardView, 'approvals'> & { approvals: Omit<DashboardView['approvals'], 'pending'> & { pending: ApprovalWithEvidence[] } };

/**
 * Every SSE frame rebuilds the view, but a pending approval keeps the same
 * evidence record until a new bead replaces it: parse each record once.
 */
export function withReadableEvidence(): (view: DashboardView) => ReadableView {
  const seen = new WeakMap<object, ReadableEvidence>();
  const readable = (recorded: Record<string, unknown>) => {
    let shown = seen.get(recorded);
    if (!shown) {
      shown = readableEvidence(recorded);
      seen.set(recorded, shown);
    }
    return shown;
  };
  return (view) => ({
    ...view,
    approvals: { ...view.approvals, pending: view.approvals.pending.map((a) => (a.evidence ? { ...a, evidence_readable: readable(a.evidence) } : a)) },
  });
}
