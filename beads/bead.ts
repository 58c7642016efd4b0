import { z } from 'zod';
import {
  AutopsyData,
  FillData,
  IbkrSessionData,
  OrderData,
  PositionData,
  ReconciliationData,
} from './brokerData.ts';
import {
  AlertData,
  ApprovalData,
  AttestationData,
  BunnyData,
  DrillData,
  HaltData,
  HeartbeatData,
  HostData,
  IntentData,
  KillFlagData,
  LeaseData,
  SealData,
  SecurityData,
  UxConfirmationData,
} from './opsData.ts';
import { ModeSchema } from './pairs.ts';
import { AlertLabelData, ConfigChangeData, ConfigData, PromotionData } from './promotionData.ts';

/** Each bead type's data schema. Adding a type here adds it everywhere. */
export const BEAD_DATA = {
  IBKR_SESSION: IbkrSessionData,
  HEARTBEAT: HeartbeatData,
  INTENT: IntentData,
  APPROVAL: ApprovalData,
  ORDER: OrderData,
  FILL: FillData,
  POSITION: PositionData,
  AUTOPSY: AutopsyData,
  RECONCILIATION: ReconciliationData,
  ALERT: AlertData,
  KILL_FLAG: KillFlagData,
  HALT: HaltData,
  CONFIG: ConfigData,
  CONFIG_CHANGE: ConfigChangeData,
  PROMOTION: PromotionData,
  BUNNY: BunnyData,
  DRILL: DrillData,
  HOST: HostData,
  SECURITY: SecurityData,
  LEASE: LeaseData,
  UX_CONFIRMATION: UxConfirmationData,
  SEAL: SealData,
  ATTESTATION: AttestationData,
  ALERT_LABEL: AlertLabelData,
} as const;

export type BeadType = keyof typeof BEAD_DATA;
export const BEAD_TYPES = Object.keys(BEAD_DATA) as BeadType[];

/** The version each type is written at today; readers upcast anything older. */
export const CURRENT_SCHEMA_VERSION: Record<BeadType, number> = Object.fromEntries(
  BEAD_TYPES.map((t) => [t, 1]),
) as Record<BeadType, number>;

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export const BaseFields = {
  bead_id: z.string().regex(UUID_V7, 'must be a lowercase UUIDv7'),
  stream: z.string().min(1).max(256),
  ts: z.iso.datetime({ precision: 3 }),
  host_id: z.string().min(1),
  mode: ModeSchema,
  correlation_id: z.string().min(1),
  causation_id: z.string().optional(),
  schema_version: z.number().int().positive(),
};

function beadOf<T extends BeadType>(type: T) {
  return z.object({ ...BaseFields, bead_type: z.literal(type), data: BEAD_DATA[type] });
}

const members = BEAD_TYPES.map((t) => beadOf(t)) as unknown as [
  ReturnType<typeof beadOf<BeadType>>,
  ...ReturnType<typeof beadOf<BeadType>>[],
];

export const BeadSchema = z.discriminatedUnion('bead_type', members);

type BeadOfType<T extends BeadType> = {
  bead_id: string;
  stream: string;
  ts: string;
  host_id: string;
  mode: z.infer<typeof ModeSchema>;
  correlation_id: string;
  causation_id?: string;
  schema_version: number;
  bead_type: T;
  data: z.output<(typeof BEAD_DATA)[T]>;
};

/** A bead of a given type; `Bead` is the union of all of them. */
export type BeadOf<T extends BeadType> = BeadOfType<T>;
export type Bead = { [T in BeadType]: BeadOfType<T> }[BeadType];
export type BeadData<T extends BeadType> = z.input<(typeof BEAD_DATA)[T]>;

/**
 * What a machine or actor decides to record, before the host stamps identity
 * and time onto it. Machines emit drafts so that they stay free of clocks and ids.
 */
export type BeadDraft = {
  [T in BeadType]: {
    bead_type: T;
    stream: string;
    data: BeadData<T>;
    correlation_id: string;
    causation_id?: string;
  };
}[BeadType];

export interface StampContext {
  bead_id: string;
  ts: string;
  host_id: string;
  mode: z.infer<typeof ModeSchema>;
}

/** Turns a draft into a bead. Pure: identity and time come in as data. */
export function stamp(draft: BeadDraft, ctx: StampContext): Bead {
  const bead = {
    bead_id: ctx.bead_id,
    bead_type: draft.bead_type,
    stream: draft.stream,
    ts: ctx.ts,
    host_id: ctx.host_id,
    mode: ctx.mode,
    correlation_id: draft.correlation_id,
    schema_version: CURRENT_SCHEMA_VERSION[draft.bead_type],
    data: draft.data,
  } as Bead;
  if (draft.causation_id !== undefined) bead.causation_id = draft.causation_id;
  return bead;
}
