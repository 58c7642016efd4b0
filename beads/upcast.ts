import { BEAD_TYPES, type Bead, type BeadType, CURRENT_SCHEMA_VERSION } from './bead.ts';

/**
 * Stored beads are trusted, not re-validated (S1); old versions are upcast one
 * step at a time. An upcaster takes version N's data to version N + 1.
 */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

/** Keyed by type, then by the version it upgrades from. Empty until a schema changes. */
export const UPCASTERS: Partial<Record<BeadType, Record<number, Upcaster>>> = {};

export type Decoded =
  | { ok: true; bead: Bead }
  | { ok: false; reason: string };

/**
 * Type -> current version in one Map: a replay runs upcast on every bead
 * (B2), and one lookup both recognises the type and gives its version, where
 * two keyed lookups on an object cost a measurable share of the read.
 */
const CURRENT_VERSION_OF = new Map<unknown, number>(BEAD_TYPES.map((t) => [t, CURRENT_SCHEMA_VERSION[t]]));

/** Brings a stored record to the current version, or says why it cannot. */
export function upcast(record: unknown, upcasters = UPCASTERS): Decoded {
  if (typeof record !== 'object' || record === null) return { ok: false, reason: 'not an object' };
  const raw = record as Record<string, unknown>;
  const type = raw.bead_type as BeadType;
  const current = CURRENT_VERSION_OF.get(type);
  if (current === undefined) return { ok: false, reason: `unknown bead_type ${JSON.stringify(type)}` };
  let version = raw.schema_version;
  // The common case first: a current version is a whole number >= 1, so it needs no other check.
  if (version === current) return { ok: true, bead: raw as unknown as Bead };
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return { ok: false, reason: `bad schema_version ${JSON.stringify(version)} for ${type}` };
  }
  if (version > current) {
    return { ok: false, reason: `${type} schema_version ${version} is newer than this build knows (${current})` };
  }
  let data = raw.data as Record<string, unknown>;
  while (version < current) {
    const step = upcasters[type]?.[version];
    if (!step) return { ok: false, reason: `no upcaster for ${type} from schema_version ${version}` };
    data = step(data);
    version += 1;
  }
  return { ok: true, bead: { ...raw, data, schema_version: current } as unknown as Bead };
}

/** Parses a stored JSON text and upcasts it; corrupt text is a reason, not a throw. */
export function decodeStored(json: string, upcasters = UPCASTERS): Decoded {
  let record: unknown;
  try {
    record = JSON.parse(json);
  } catch (err) {
    return { ok: false, reason: `corrupt JSON: ${(err as Error).message}` };
  }
  return upcast(record, upcasters);
}
