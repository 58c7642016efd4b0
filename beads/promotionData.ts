import { z } from 'zod';
import { ProofData } from './opsData.ts';

/**
 * The beads of promotion and revalidation (S3.6, S11, issue 14): the desk's
 * effective parameters at start, a changed parameter, the promotion
 * machine's transitions and a person's decision to go live, and an
 * operator's label on an alert (ground truth for alert precision).
 */

export const ParamValue = z.union([z.string(), z.number(), z.boolean()]);

export const ConfigData = z.object({
  config_hash: z.string(),
  params: z.record(z.string(), ParamValue),
  /** Each secret that is set, as a keyed fingerprint (HMAC under the host's chain key), never its value: a changed secret is caught at the next start. */
  secrets: z.record(z.string(), z.string()).optional(),
});

/**
 * One changed parameter. A secret's change carries neither value
 * (`secret: true`). `source` says how it was seen: `phoenix config set`, or
 * a host that found its configuration differing from the last CONFIG bead
 * (a hand edit of .env). `components` are the parts of the desk the
 * parameter drives: what the revalidation sweep exercises.
 */
export const ConfigChangeData = z.object({
  key: z.string(),
  old_value: ParamValue.optional(),
  new_value: ParamValue.optional(),
  who: z.string(),
  reason: z.string().optional(),
  secret: z.boolean().optional(),
  components: z.array(z.string()).optional(),
  source: z.enum(['CONFIG_SET', 'HOST_START']).optional(),
});

export const PROMOTION_STATES = ['SHADOW', 'PAPER_VALIDATED', 'LIVE_ELIGIBLE', 'LIVE_ACTIVE'] as const;
export const PromotionStateSchema = z.enum(PROMOTION_STATES);
export type PromotionStateName = z.infer<typeof PromotionStateSchema>;

/** A gate family's verdict as the promotion machine was told it: met, or what is missing. */
const Verdict = z.object({ met: z.boolean(), missing: z.array(z.string()) });

/** The facts a transition was decided on (phase-1 gates, Phase-2 ops quality): replay reads them back as the event. */
export const PromotionFacts = z.object({ phase1: Verdict, ops: Verdict });

/** A revalidation sweep a parameter change asked for: `phoenix bunny --sweep …` with the new values (`--with`). */
export const SweepData = z.object({
  run_id: z.string(),
  components: z.array(z.string()),
  vectors: z.array(z.string()),
  settings: z.record(z.string(), z.string()),
});

/**
 * A promotion bead. `event` TRANSITION (the default: beads written before
 * the machine had none) is the machine's own record of a state change;
 * DECISION is a person's `phoenix promote --live`, which names who, why and
 * the proof, and carries the state the person saw. `cause_id` names the
 * bead that moved the machine (a CONFIG_CHANGE, a failing BUNNY verdict, a
 * DECISION); a transition decided on the gates' facts carries those facts
 * instead.
 */
export const PromotionData = z.object({
  state: PromotionStateSchema,
  previous: PromotionStateSchema.optional(),
  reason: z.string(),
  event: z.enum(['TRANSITION', 'DECISION']).optional(),
  cause_id: z.string().optional(),
  /** ISO time the validation window (re)started. */
  window_from: z.string().optional(),
  facts: PromotionFacts.optional(),
  sweep: SweepData.optional(),
  decision: z.literal('PROMOTE_LIVE').optional(),
  decided_by: z.string().optional(),
  proof: ProofData.optional(),
});

/** An operator's word on one alert (`phoenix alerts label`, or the button on the Telegram message). */
export const AlertLabelData = z.object({
  alert_id: z.string().min(1),
  alert_type: z.string().min(1),
  label: z.enum(['USEFUL', 'NOISE']),
  who: z.string().min(1),
  channel: z.enum(['TERMINAL', 'TELEGRAM']),
  note: z.string().max(500).optional(),
});
