import type { z } from 'zod';

/**
 * A yes/no shape test compiled once from a zod schema, for the read path:
 * stored beads are checked on the way out (S1, S2), and a replay checks a
 * million of them (B2). So the test is generated as one straight-line
 * function per schema (as zod 4 does for its own objects): it looks at
 * types, required fields, enum members, lengths and number bounds, allocates
 * nothing and says nothing about why. A "no" is answered again by zod
 * itself, which names the field (storedBead.ts); zod has the last word.
 *
 * A tree of closures did the same at 0.6 µs a bead on the bench mix, half a
 * JSON.parse; the generated function does it in a fraction of that.
 *
 * What it does not look at: string formats and patterns (an ISO time, a
 * UUID), which no fold crashes on, and refinements. A kind of schema it does
 * not know is handed to zod's own safeParse, correct but slower.
 */
export type ShapeTest = (value: unknown) => boolean;

interface Def {
  type: string;
  checks?: { _zod: { def: CheckDef } }[];
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  element?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  entries?: Record<string, unknown>;
  values?: unknown[];
}

interface CheckDef {
  check: string;
  minimum?: number;
  maximum?: number;
  value?: number;
  inclusive?: boolean;
  format?: string;
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The code being generated: its lines, fresh variable names, and the values it refers to. */
class Emitter {
  readonly lines: string[] = [];
  readonly outside: unknown[] = [];
  private names = 0;
  fresh(): string {
    return `v${this.names++}`;
  }
  /** A value the generated code reaches as `X[i]` (a key set, a fallback test). */
  ref(value: unknown): string {
    this.outside.push(value);
    return `X[${this.outside.length - 1}]`;
  }
  fail(condition: string): void {
    this.lines.push(`if (${condition}) return false;`);
  }
}

function lengthCondition(v: string, checks: Def['checks']): string {
  const parts: string[] = [];
  for (const c of checks ?? []) {
    const d = c._zod.def;
    if (d.check === 'min_length') parts.push(`${v}.length < ${Number(d.minimum)}`);
    else if (d.check === 'max_length') parts.push(`${v}.length > ${Number(d.maximum)}`);
    else if (d.check === 'length_equals') parts.push(`${v}.length !== ${Number(d.value)}`);
  }
  return parts.map((p) => ` || ${p}`).join('');
}

function numberCondition(v: string, checks: Def['checks']): string {
  const parts = [`typeof ${v} !== 'number'`, `!Number.isFinite(${v})`];
  for (const c of checks ?? []) {
    const d = c._zod.def;
    if (d.check === 'number_format' && (d.format === 'safeint' || d.format === 'int32' || d.format === 'uint32')) parts.push(`!Number.isSafeInteger(${v})`);
    else if (d.check === 'greater_than') parts.push(`${v} ${d.inclusive ? '<' : '<='} ${Number(d.value)}`);
    else if (d.check === 'less_than') parts.push(`${v} ${d.inclusive ? '>' : '>='} ${Number(d.value)}`);
  }
  return parts.join(' || ');
}

const notOneOf = (v: string, values: unknown[]) => (values.length === 0 ? 'true' : values.map((x) => `${v} !== ${JSON.stringify(x)}`).join(' && '));

const notRecord = (v: string) => `typeof ${v} !== 'object' || ${v} === null || Array.isArray(${v})`;

function emitObject(def: Def, v: string, out: Emitter): void {
  out.fail(notRecord(v));
  const shape = def.shape ?? {};
  for (const [key, child] of Object.entries(shape)) {
    const name = out.fresh();
    out.lines.push(`const ${name} = ${v}[${JSON.stringify(key)}];`);
    emit(child, name, out);
  }
  // A strict object (catchall never) refuses keys it does not name; any other keeps or strips them.
  if (def.catchall !== undefined && defOf(def.catchall).type === 'never') {
    const named = out.ref(new Set(Object.keys(shape)));
    out.lines.push(`for (const k in ${v}) if (!${named}.has(k)) return false;`);
  }
}

function emitUnion(def: Def, v: string, out: Emitter): void {
  const key = def.discriminator;
  if (key === undefined) {
    const tests = (def.options ?? []).map((o) => compileShape(o));
    out.fail(`!${out.ref(tests)}.some((t) => t(${v}))`);
    return;
  }
  // The discriminator's value picks the one branch checked, as in zod.
  out.fail(notRecord(v));
  out.lines.push(`switch (${v}[${JSON.stringify(key)}]) {`);
  for (const option of def.options ?? []) {
    const field = defOf(option).shape?.[key];
    for (const value of field ? (defOf(field).values ?? []) : []) out.lines.push(`case ${JSON.stringify(value)}:`);
    out.lines.push('{');
    emit(option, v, out);
    out.lines.push('break; }');
  }
  out.lines.push('default: return false; }');
}

function emit(schema: z.ZodType, v: string, out: Emitter): void {
  const def = defOf(schema);
  switch (def.type) {
    case 'string':
      out.fail(`typeof ${v} !== 'string'${lengthCondition(v, def.checks)}`);
      return;
    case 'number':
      out.fail(numberCondition(v, def.checks));
      return;
    case 'boolean':
      out.fail(`typeof ${v} !== 'boolean'`);
      return;
    case 'enum':
      out.fail(notOneOf(v, Object.values(def.entries ?? {})));
      return;
    case 'literal':
      out.fail(notOneOf(v, def.values ?? []));
      return;
    case 'optional':
      out.lines.push(`if (${v} !== undefined) {`);
      emit(def.innerType!, v, out);
      out.lines.push('}');
      return;
    // A missing field with a default is a "no": zod fills the default in, and its output is what is trusted.
    case 'default':
      emit(def.innerType!, v, out);
      return;
    case 'array': {
      out.fail(`!Array.isArray(${v})${lengthCondition(v, def.checks)}`);
      const item = out.fresh();
      out.lines.push(`for (let i = 0; i < ${v}.length; i++) { const ${item} = ${v}[i];`);
      emit(def.element!, item, out);
      out.lines.push('}');
      return;
    }
    case 'record': {
      out.fail(notRecord(v));
      const item = out.fresh();
      out.lines.push(`for (const k in ${v}) { const ${item} = ${v}[k];`);
      if (defOf(def.keyType!).type !== 'string') out.fail(`!${out.ref(compileShape(def.keyType!))}(k)`);
      emit(def.valueType!, item, out);
      out.lines.push('}');
      return;
    }
    case 'object':
      emitObject(def, v, out);
      return;
    case 'union':
      emitUnion(def, v, out);
      return;
    case 'unknown':
    case 'any':
      return;
    default:
      out.fail(`!${out.ref(schema)}.safeParse(${v}).success`);
  }
}

/** Compiles the yes/no test of a schema (see the file comment for what it checks). */
export function compileShape(schema: z.ZodType): ShapeTest {
  const out = new Emitter();
  emit(schema, 'value', out);
  const body = `${out.lines.join('\n')}\nreturn true;`;
  // Generated from the project's own schemas, never from data: no input reaches this text.
  const make = new Function('X', `return function shapeTest(value) {\n${body}\n};`) as (outside: unknown[]) => ShapeTest;
  return make(out.outside);
}
