import { hash } from 'node:crypto';
import type { z } from 'zod';
import { BEAD_TYPES, type Bead, BeadSchema } from '../../beads/index.ts';

/**
 * The one serialisation of a bead that the chain hashes (issue 17). The host
 * hashes a bead as it stamped it; a verifier hashes the same bead as the log
 * gave it back, after the store's zod parse reordered its keys to the
 * schema's order, filled defaults in and dropped keys the schema does not
 * name. Both sides therefore write it the schema's way: keys in schema
 * order, defaults filled in, unknown keys left out. Compiled once per bead
 * type from the same zod schemas that validate at append, so hashing costs
 * about one JSON.stringify, not a second validation (B1).
 */

type Encode = (value: unknown) => string | undefined;

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  defaultValue?: unknown;
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;
const plain: Encode = (value) => (value === undefined ? undefined : JSON.stringify(value));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function objectEncoder(def: Def): Encode {
  const fields = Object.entries(def.shape ?? {}).map(([key, child]) => [key, `${JSON.stringify(key)}:`, compile(child)] as const);
  return (value) => {
    if (!isObject(value)) return plain(value);
    let out = '';
    for (const [key, head, encode] of fields) {
      const text = encode(value[key]);
      if (text === undefined) continue;
      out += out === '' ? head + text : `,${head}${text}`;
    }
    return `{${out}}`;
  };
}

function unionEncoder(def: Def): Encode {
  const key = def.discriminator;
  if (key === undefined) return plain;
  const byValue = new Map<unknown, Encode>();
  for (const option of def.options ?? []) {
    const field = defOf(option).shape?.[key];
    const values = field ? ((defOf(field) as { values?: unknown[] }).values ?? []) : [];
    const encode = compile(option);
    for (const v of values) byValue.set(v, encode);
  }
  return (value) => (isObject(value) ? (byValue.get(value[key]) ?? plain)(value) : plain(value));
}

function compile(schema: z.ZodType): Encode {
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
      return objectEncoder(def);
    case 'optional': {
      const inner = compile(def.innerType!);
      return (v) => (v === undefined ? undefined : inner(v));
    }
    case 'default': {
      const inner = compile(def.innerType!);
      const fallback = def.defaultValue;
      return (v) => inner(v === undefined ? fallback : v);
    }
    case 'nullable': {
      const inner = compile(def.innerType!);
      return (v) => (v === null ? 'null' : inner(v));
    }
    case 'array': {
      const item = compile(def.element!);
      return (v) => (Array.isArray(v) ? `[${v.map((x) => item(x) ?? 'null').join(',')}]` : plain(v));
    }
    case 'record': {
      const item = compile(def.valueType!);
      return (v) => {
        if (!isObject(v)) return plain(v);
        const parts: string[] = [];
        for (const k of Object.keys(v)) {
          const text = item(v[k]);
          if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
        }
        return `{${parts.join(',')}}`;
      };
    }
    case 'union':
      return unionEncoder(def);
    default:
      return plain;
  }
}

const ENCODERS = new Map<unknown, Encode>(
  BEAD_TYPES.map((type) => {
    const member = BeadSchema.options.find((o) => o.shape.bead_type.value === type)!;
    return [type, compile(member as unknown as z.ZodType)];
  }),
);

/** The bead written the schema's way; the same text for the bead as stamped and as stored. */
export function canonicalBead(bead: Bead): string {
  return (ENCODERS.get(bead.bead_type) ?? plain)(bead) ?? '';
}

/** 128 bits of SHA-256 of the canonical form, base64url: what a seal lists for each bead. */
export function beadHash(bead: Bead): string {
  return hash('sha256', canonicalBead(bead), 'base64url').slice(0, 22);
}

/** The same hash over a bead's stored text, which is its canonical form (a property test holds the two together). */
export function textHash(json: string): string {
  return hash('sha256', json, 'base64url').slice(0, 22);
}

export function sha256(text: string): string {
  return hash('sha256', text, 'base64url');
}

const HOST_KEY = '"host_id":"';

/** The host a stored bead names: its first "host_id" (the envelope's comes before its data). A hint only: a row no seal lists is parsed. */
export function hostHint(json: string): string | undefined {
  const i = json.indexOf(HOST_KEY);
  if (i < 0) return undefined;
  const from = i + HOST_KEY.length;
  return json.slice(from, json.indexOf('"', from));
}

/** A row's hash over its stored text, then, for text written some other way than the log's own (a bulk import), over its canonical form. */
export function* hashesOfText(json: string, reparse: () => Bead | undefined): Generator<string> {
  yield textHash(json);
  const bead = reparse();
  if (bead) yield beadHash(bead);
}
