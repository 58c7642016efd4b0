import { z } from 'zod';
import { IntentFieldsSchema } from './intent.ts';

/** Data of the beads that describe operations: health, alerts, approvals, the host itself. */

export const HeartbeatData = z.object({
  status: z.enum(['HEALTHY', 'DEGRADED', 'CRITICAL', 'MISSED']),
  checks: z.object({
    process_alive: z.boolean(),
    ibkr_connected: z.boolean(),
    semantic_healthy: z.boolean(),
  }),
  details: z
    .array(z.object({ check: z.string(), message: z.string(), subject: z.string().optional() }))
    .optional(),
  miss_count: z.number().int().min(0).default(0),
});

export const IntentData = z.discriminatedUnion('outcome', [
  z.object({
    outcome: z.literal('ACCEPTED'),
    intent: IntentFieldsSchema,
    source_file: z.string(),
    content_hash: z.string(),
  }),
  z.object({
    outcome: z.literal('REJECTED'),
    intent_id: z.string().optional(),
    source_file: z.string(),
    content_hash: z.string().optional(),
    reasons: z.array(z.string()).min(1),
  }),
]);

/**
 * How a person's act written by another process (the CLI) or heard by the
 * host (Telegram) proves who did it (issue 17): OPERATOR, the operator's
 * name (PAPER and MOCK); TOTP, an HMAC keyed with a fresh TOTP code over the
 * act (never the code itself), which the host verifies (LIVE); TELEGRAM, an
 * allowed Telegram user the host heard itself (then the bead must be sealed).
 */
export const ProofData = z.object({
  method: z.enum(['OPERATOR', 'TOTP', 'TELEGRAM']),
  operator: z.string().min(1),
  os_user: z.string().optional(),
  mac: z.string().optional(),
  /** The TOTP time step the host accepted (on the host's own beads only). */
  step: z.number().int().min(0).optional(),
});

/** The exact order a person was shown and approved: the decision and the token are bound to it. */
export const OrderBindingData = z.object({
  account: z.string(),
  pair: z.string(),
  action: z.enum(['BUY', 'SELL']),
  units: z.number().int().positive(),
  entry: z.number(),
  stop: z.number(),
  target: z.number(),
  order_refs: z.object({ entry: z.string(), target: z.string(), stop: z.string() }),
});

export const ApprovalData = z.object({
  intent_id: z.string(),
  event: z.enum([
    'RECEIVED',
    'ANCHOR_CHECKED',
    'EVIDENCE_SHOWN',
    'DECISION',
    'TOKEN_ISSUED',
    'CONSUMED',
    'EXPIRED',
    'STATE_CONFLICT',
    'REJECTED',
  ]),
  verdict: z.enum(['FRESH', 'STALE']).optional(),
  anchor_age_s: z.number().min(0).optional(),
  evidence: z.record(z.string(), z.unknown()).optional(),
  decision: z.enum(['APPROVE', 'REJECT']).optional(),
  decided_by: z.string().optional(),
  channel: z.enum(['TERMINAL', 'TELEGRAM']).optional(),
  content_hash: z.string().optional(),
  token_id: z.string().optional(),
  expires_at: z.string().optional(),
  reason: z.string().optional(),
  binding: OrderBindingData.optional(),
  binding_hash: z.string().optional(),
  proof: ProofData.optional(),
});

export const AlertData = z.object({
  event: z.enum(['RAISED', 'QUEUED', 'SENT', 'GROUPED', 'THROTTLED', 'FAILED', 'RETRIED', 'RESOLVED']),
  alert_id: z.string(),
  alert_type: z.string(),
  severity: z.enum(['WARNING', 'CRITICAL']),
  message: z.string(),
  runbook_id: z.string().optional(),
  dedupe_key: z.string(),
  attempt: z.number().int().min(0).optional(),
  error: z.string().optional(),
  delivered_as: z.string().optional(),
});

export const KillFlagData = z.object({
  state: z.enum(['SET', 'CLEARED']),
  reason: z.string().min(1),
  who: z.string().min(1),
  proof: ProofData.optional(),
});

export const HaltData = z.object({
  step: z.enum(['STARTED', 'ORDERS_CANCELLED', 'POSITIONS_FLATTENED', 'COMPLETED', 'FAILED']),
  flatten: z.boolean(),
  reason: z.string().optional(),
  who: z.string().optional(),
  elapsed_ms: z.number().min(0).optional(),
  count: z.number().int().min(0).optional(),
  detail: z.string().optional(),
  proof: ProofData.optional(),
});

/**
 * The alert types a vector declares for its fault (the types it must raise
 * and those it must not) and the RAISED alerts of its scratch log, by type:
 * each declared type raised is a true positive, each one missing a false
 * negative, each forbidden one raised a false positive.
 */
export const BunnyAlerts = z.object({
  must_raise: z.array(z.string()),
  must_not_raise: z.array(z.string()),
  raised: z.record(z.string(), z.number().int().min(0)),
});

/** What a bunny verdict rests on: bead ids (in the vector's scratch log), counts and timings. */
export const BunnyEvidence = z.object({
  beads: z.array(z.string()),
  counts: z.record(z.string(), z.number()),
  timings_ms: z.record(z.string(), z.number().min(0)),
});

/**
 * One chaos vector's verdict (S10). The fields after `evidence` were added
 * with `phoenix bunny` and are optional so that beads written before them
 * still read; bunny writes them all (BunnyRecord).
 */
export const BunnyData = z.object({
  run_id: z.string(),
  vector_id: z.string(),
  result: z.enum(['PASS', 'FAIL']),
  /** The verdict in one line: what was seen, or what was missing. */
  evidence: z.string(),
  wave: z.number().int().min(1).optional(),
  /** FULL: every vector of the suite in one run; PARTIAL: --vector or --wave; SWEEP: --sweep. Only a FULL run moves P1-8. */
  run_scope: z.enum(['FULL', 'PARTIAL', 'SWEEP']).optional(),
  expected: z.string().optional(),
  observed: z.string().optional(),
  details: BunnyEvidence.optional(),
  duration_ms: z.number().min(0).optional(),
  code_version: z.string().optional(),
  config_hash: z.string().optional(),
  /** Where the vector's scratch log was kept (a FAIL keeps it for inspection). */
  scratch_home: z.string().optional(),
  /** Settings laid over the vector's own for the scratch host (`--with KEY=VALUE`): a parameter change under validation. */
  settings: z.record(z.string(), z.string()).optional(),
  /** A sweep a host started after a parameter change: the PROMOTION bead that asked for it (issue 14). */
  triggered_by: z.string().optional(),
  /** Ground truth for alert precision and recall (S11 Phase 2): what the fault must and must not raise, and what its scratch log raised. */
  alerts: BunnyAlerts.optional(),
});

/** What `phoenix bunny` writes: every field present. */
export const BunnyRecord = BunnyData.required({ wave: true, run_scope: true, expected: true, observed: true, details: true, duration_ms: true, code_version: true, config_hash: true });

/** P1-7: the operator's own word that the approval flow works for them (`phoenix gates confirm-ux`). */
export const UxConfirmationData = z.object({
  who: z.string().min(1),
  note: z.string().min(1).max(2000),
  /** The paper approval flows timed in the log when the operator confirmed (intent file seen → entry order sent). */
  flows: z.number().int().min(0),
  median_ms: z.number().min(0).optional(),
  slowest_ms: z.number().min(0).optional(),
});

export const DrillData = z.object({
  runbook_id: z.string(),
  event: z.enum(['STARTED', 'FINISHED']),
  resolution_ms: z.number().min(0).optional(),
  outcome: z.enum(['PASS', 'FAIL']).optional(),
  detail: z.string().optional(),
});

export const HostData = z.object({
  event: z.enum(['STARTED', 'STOPPING']),
  version: z.string(),
  config_hash: z.string(),
  pid: z.number().int().positive(),
  hostname: z.string().optional(),
  reason: z.string().optional(),
});

export const SecurityData = z.object({
  who: z.string(),
  /** BROKER: a message from the gateway refused at the boundary (S14): malformed, or about an order or contract not ours. */
  channel: z.enum(['TELEGRAM', 'CLI', 'DASHBOARD', 'LOG', 'BROKER']),
  why: z.string(),
  detail: z.string().optional(),
});

/** The single-writer lease (S2): who holds the log, until when. */
export const LeaseData = z.object({
  event: z.enum(['ACQUIRED', 'RENEWED', 'TAKEN_OVER', 'RELEASED']),
  holder: z.string(),
  pid: z.number().int().positive(),
  hostname: z.string(),
  expires_at: z.string(),
  previous_holder: z.string().optional(),
  previous_pid: z.number().int().optional(),
  why: z.string().optional(),
});

/**
 * One link of a host's chain (issue 17): written first in its commit, on
 * `chain-<host>`. `beads` lists covered beads as "<bead_id> <hash>" (the
 * hash of the canonical form): its host's block (beads written since the
 * last seal, before it) and, on a log without `run`, its commit's; `prev` is the hash of
 * the previous seal of this host; `mac` an HMAC-SHA256 under the host's chain
 * key. `retracts` names earlier seals whose beads were never stored (a
 * non-atomic append that failed after its seal).
 */
export const SealData = z.object({
  seq: z.number().int().min(0),
  prev: z.string(),
  beads: z.array(z.string()),
  mac: z.string(),
  retracts: z.array(z.number().int().min(0)).optional(),
  /** The hashes (16 characters each, run together) of the rows that follow the seal in its commit, in order: a log whose commit is one run of positions (SQLite) lists them so, without their ids. */
  run: z.string().optional(),
});

/** The host's answer to a bead another process appended (a decision, a kill-flag clear): accepted or refused, and on what proof. */
export const AttestationData = z.object({
  subject_id: z.string(),
  subject_type: z.string(),
  subject_hash: z.string(),
  verdict: z.enum(['ACCEPTED', 'REFUSED']),
  method: z.enum(['OPERATOR', 'TOTP', 'TELEGRAM', 'NONE']),
  operator: z.string().optional(),
  step: z.number().int().min(0).optional(),
  why: z.string().optional(),
});
