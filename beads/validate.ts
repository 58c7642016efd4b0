import type { z } from 'zod';
import { type Bead, BeadSchema } from './bead.ts';

export class BeadValidationError extends Error {
  override readonly name = 'BeadValidationError';
  constructor(
    readonly beadType: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(
      `invalid ${beadType} bead: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
}

function describe(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/** Validation at append (S1): the only place a bead's shape is enforced. */
export function validateBead(candidate: unknown): Bead {
  const parsed = BeadSchema.safeParse(candidate);
  if (parsed.success) return parsed.data as Bead;
  const type =
    typeof candidate === 'object' && candidate !== null && 'bead_type' in candidate
      ? String((candidate as { bead_type: unknown }).bead_type)
      : 'unknown';
  throw new BeadValidationError(type, describe(parsed.error));
}
