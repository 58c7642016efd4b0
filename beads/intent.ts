import { z } from 'zod';
import { PairSchema } from './pairs.ts';

/**
 * The intent a signal engine drops as a file (S5.1). This schema is the one
 * home of the rule set: the file seam, mock-cse and the INTENT bead all use it.
 */
const price = z.number().positive();

export const IntentFieldsSchema = z.strictObject({
  intent_id: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, dot, dash and underscore only'),
  signal: z.enum(['READY', 'FORMING', 'NONE']),
  pair: PairSchema,
  confidence: z.number().min(0).max(1),
  entry: price,
  stop: price,
  target: price,
  setup_type: z.enum(['FVG_ENTRY', 'OTE_ENTRY', 'BOS_ENTRY']),
  created_at: z.iso.datetime({ offset: true }),
});

export const IntentSchema = IntentFieldsSchema.superRefine((intent, ctx) => {
  if (intent.stop === intent.entry) {
    ctx.addIssue({ code: 'custom', path: ['stop'], message: 'stop must differ from entry' });
    return;
  }
  const long = intent.stop < intent.entry;
  const profitSide = long ? intent.target > intent.entry : intent.target < intent.entry;
  if (!profitSide) {
    ctx.addIssue({
      code: 'custom',
      path: ['target'],
      message: `target must be ${long ? 'above' : 'below'} entry for a ${long ? 'long' : 'short'} (stop ${long ? 'below' : 'above'} entry)`,
    });
  }
});
export type Intent = z.infer<typeof IntentSchema>;

export type Side = 'LONG' | 'SHORT';

/** A stop below the entry makes a long; above it, a short. */
export function intentSide(intent: Pick<Intent, 'entry' | 'stop'>): Side {
  return intent.stop < intent.entry ? 'LONG' : 'SHORT';
}
