/**
 * A strict reader of the Prometheus text exposition format (0.0.4), enough to
 * prove /metrics is what a Prometheus server accepts: every line is a HELP,
 * a TYPE or a sample; TYPE comes before its samples; a family's samples are
 * contiguous; label values are properly escaped. Throws on the first bad line.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  type: string;
  help: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?$`);
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"\s*(,|$)/y;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, line: number): number {
  // As Prometheus reads a value (Go's ParseFloat): NaN and Inf in any case; prom-client writes "Nan".
  if (/^nan$/i.test(text)) return Number.NaN;
  if (/^\+?inf(inity)?$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf(inity)?$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`line ${line}: bad value ${text}`);
  return Number(text);
}

function parseLabels(text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const m = LABEL.exec(text);
    if (!m) throw new Error(`line ${line}: bad labels {${text}}`);
    const name = m[1]!;
    if (Object.hasOwn(labels, name)) throw new Error(`line ${line}: label ${name} repeated`);
    labels[name] = m[2]!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

const PARTS = /_(bucket|sum|count)$/;

/** A histogram's or summary's `_bucket`, `_sum` and `_count` samples belong to the family its TYPE line named. */
function familyOf(families: Map<string, MetricFamily>, sample: string): string {
  const base = sample.replace(PARTS, '');
  const typed = base === sample ? undefined : families.get(base)?.type;
  return typed === 'histogram' || typed === 'summary' ? base : sample;
}

export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, MetricFamily>();
  const finished = new Set<string>();
  let current: string | undefined;
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((raw, i) => {
    const n = i + 1;
    const family = (name: string) => {
      if (current !== name) {
        if (current) finished.add(current);
        if (finished.has(name)) throw new Error(`line ${n}: family ${name} is not contiguous`);
        current = name;
      }
      const known = families.get(name);
      if (known) return known;
      const fresh: MetricFamily = { type: 'untyped', help: '', samples: [] };
      families.set(name, fresh);
      return fresh;
    };
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!new RegExp(`^${NAME}$`).test(name)) throw new Error(`line ${n}: bad metric name ${name}`);
      const f = family(name);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`line ${n}: unknown type ${rest}`);
        if (f.samples.length) throw new Error(`line ${n}: TYPE after samples of ${name}`);
        f.type = rest;
      } else {
        f.help = rest;
      }
      return;
    }
    if (raw.startsWith('#') || raw.trim() === '') return;
    const m = SAMPLE.exec(raw);
    if (!m) throw new Error(`line ${n}: not a sample: ${raw}`);
    family(familyOf(families, m[1]!)).samples.push({ name: m[1]!, labels: parseLabels(m[2] ?? '', n), value: parseValue(m[3]!, n) });
  });
  return families;
}

/** The value of the one sample of `name` whose labels include `labels`. */
export function sampleValue(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = families.get(name) ?? families.get(familyOf(families, name));
  const matches = family?.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) ?? [];
  if (matches.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${matches.length} samples`);
  return matches[0]?.value;
}
