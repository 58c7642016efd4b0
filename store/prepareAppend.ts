import { BaseFields, BEAD_TYPES, type Bead, BeadSchema, type BeadType, BeadValidationError, validateBead } from '../beads/index.ts';
import { compileShape, type ShapeTest } from './shapeCheck.ts';

/**
 * What every adapter does before writing: validate each bead (S1: validation
 * happens at append), check it belongs to the stream, and drop repeats within
 * the batch so a bead_id is stored once.
 */
export function prepareAppend(stream: string, beads: readonly Bead[]): Bead[] {
  const seen = new Set<string>();
  const out: Bead[] = [];
  for (const candidate of beads) {
    const bead = validateBead(candidate);
    checkStream(stream, bead);
    if (seen.has(bead.bead_id)) continue;
    seen.add(bead.bead_id);
    out.push(bead);
  }
  return out;
}

function checkStream(stream: string, bead: Bead): void {
  if (bead.stream !== stream) {
    throw new BeadValidationError(bead.bead_type, [{ path: 'stream', message: `bead is for stream ${bead.stream}, appended to ${stream}` }]);
  }
}

/** Compiled on first use: an opener makes one type of bead (SEAL). */
const shapes = new Map<unknown, ShapeTest>();
function shapeOf(type: unknown): ShapeTest | undefined {
  let test = shapes.get(type);
  if (test === undefined && BEAD_TYPES.includes(type as BeadType)) {
    test = compileShape(BeadSchema.options.find((o) => o.shape.bead_type.value === type)!);
    shapes.set(type, test);
  }
  return test;
}
/** The pattern zod holds bead ids to (BaseFields.bead_id), tested directly: a zod call cost a commit that starts cold about 3 µs. */
const BEAD_ID = (BaseFields.bead_id._zod.def.checks ?? []).map((c) => (c._zod.def as { pattern?: unknown }).pattern).find((p): p is RegExp => p instanceof RegExp);
const idFits = (id: unknown): boolean => (BEAD_ID ? typeof id === 'string' && BEAD_ID.test(id) : BaseFields.bead_id.safeParse(id).success);

/**
 * The row a commit opens with (a CommitOpener's: the chain's seal), made in
 * this process inside the commit, with its keys in the schema's order. A
 * second zod parse of it was a tenth of a single durable append's CPU (B1),
 * so it is held to the compiled shape test and its id's format instead, and
 * stored as made; a "no" is answered by zod, which names the field, or
 * whose output is stored. Beads from callers are still parsed in full.
 */
export function prepareMade(stream: string, made: Bead): Bead {
  const bead = shapeOf(made.bead_type)?.(made) === true && idFits(made.bead_id) ? made : validateBead(made);
  checkStream(stream, bead);
  return bead;
}
