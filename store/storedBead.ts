import { BEAD_TYPES, type Bead, BeadSchema, type Decoded, decodeStored, upcast } from '../beads/index.ts';
import { compileShape, type ShapeTest } from './shapeCheck.ts';

/** One shape test per bead type, compiled from the same zod schemas that validate at append. */
const SHAPES = new Map<unknown, ShapeTest>(
  BEAD_TYPES.map((type) => {
    const member = BeadSchema.options.find((o) => o.shape.bead_type.value === type)!;
    return [type, compileShape(member)];
  }),
);

/**
 * A stored bead whose fields do not fit its type (a hand-edited or damaged
 * row) is refused with the field named (S1, S2, S14), like an unreadable one.
 * The cheap shape test passes nearly every bead; only a "no" pays for zod,
 * whose answer wins: a bead zod accepts (a missing field that has a default,
 * say) is trusted in zod's own output, with the default filled in.
 */
export function checkStored(bead: Bead): Decoded {
  if (SHAPES.get(bead.bead_type)?.(bead) === true) return { ok: true, bead };
  return refused(bead);
}

function refused(bead: Bead): Decoded {
  const parsed = BeadSchema.safeParse(bead);
  if (parsed.success) return { ok: true, bead: parsed.data as Bead };
  const issue = parsed.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(the bead)';
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
  return { ok: false, reason: `${bead.bead_type} bead does not fit its type: ${field}: ${issue.message}${more}` };
}

/** Parses, upcasts and checks one stored JSON text: a bead, or why not. */
export function decodeChecked(json: string): Decoded {
  const decoded = decodeStored(json);
  // The decoded answer itself when the shape fits: no second object per bead on a replay.
  return !decoded.ok || SHAPES.get(decoded.bead.bead_type)?.(decoded.bead) === true ? decoded : refused(decoded.bead);
}

/** Upcasts and checks a record the driver has already parsed (EventStoreDB's client does). */
export function upcastChecked(record: unknown): Decoded {
  const decoded = upcast(record);
  return !decoded.ok || SHAPES.get(decoded.bead.bead_type)?.(decoded.bead) === true ? decoded : refused(decoded.bead);
}
