import { createHmac } from 'node:crypto';
import { type BeadData, type BeadDraft, type BeadOf, streams } from '../../beads/index.ts';
import { componentOfParameter, isParameter } from '../../machines/promotionSweeps.ts';
import type { BeadWriter } from '../../runtime/beadWriter.ts';
import { type Config, publicParams } from '../../runtime/config/load.ts';
import { ENV_SCHEMA, SECRET_KEYS } from '../../runtime/config/schema.ts';
import type { EventLog } from '../../store/port.ts';

/**
 * What the host records about its parameters at start (issue 14): first a
 * CONFIG_CHANGE for every parameter whose effective value differs from the
 * last CONFIG bead and that no CONFIG_CHANGE has recorded yet (a hand edit
 * of .env, or a changed environment), then the CONFIG bead itself, whose
 * secrets are kept only as keyed fingerprints so that a changed secret is
 * caught too and its value is never written.
 */

type Value = string | number | boolean;

/** A secret's fingerprint: HMAC-SHA256 under the host's chain key (never a plain hash: a weak password would fall to a dictionary). */
export function secretFingerprint(key: Buffer, name: string, value: string): string {
  return createHmac('sha256', key).update(`phoenix-config-secret-v1|${name}|${value}`).digest('base64url').slice(0, 22);
}

export function secretFingerprints(config: Config, key: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of SECRET_KEYS) {
    const value = config[name];
    if (typeof value === 'string' && value !== '') out[name] = secretFingerprint(key, name, value);
  }
  return out;
}

export function configBeadData(config: Config, key: Buffer): BeadData<'CONFIG'> {
  return { config_hash: config.configHash, params: publicParams(config), secrets: secretFingerprints(config, key) };
}

/** The last CONFIG bead and the CONFIG_CHANGE beads written after it, read backwards from the config stream. */
export async function lastRecorded(log: EventLog): Promise<{ config?: BeadOf<'CONFIG'>; changes: BeadOf<'CONFIG_CHANGE'>[] }> {
  const changes: BeadOf<'CONFIG_CHANGE'>[] = [];
  for (const entry of await log.readStream(streams.config, { direction: 'backwards' })) {
    if (entry.kind !== 'bead') continue;
    if (entry.bead.bead_type === 'CONFIG') return { config: entry.bead, changes: changes.reverse() };
    if (entry.bead.bead_type === 'CONFIG_CHANGE') changes.push(entry.bead);
  }
  return { changes: changes.reverse() };
}

/** A parameter's default, as CONFIG beads spell values; undefined for one with none. */
export function defaultParam(key: string): Value | undefined {
  const field = (ENV_SCHEMA.shape as Record<string, { safeParse(v: unknown): { success: boolean; data?: unknown } }>)[key];
  const parsed = field?.safeParse(undefined);
  if (!parsed?.success || parsed.data === undefined) return undefined;
  return Array.isArray(parsed.data) ? parsed.data.join(',') : (parsed.data as Value);
}

const same = (a: Value | undefined, b: Value | undefined) => (a === undefined ? b === undefined : b !== undefined && String(a) === String(b));

/**
 * The CONFIG_CHANGE drafts for what differs. Pure over its inputs: the
 * effective parameters and fingerprints now, and what the log last recorded.
 */
export function changesSinceLastStart(
  now: { params: Record<string, Value>; secrets: Record<string, string> },
  recorded: { config?: BeadOf<'CONFIG'>; changes: readonly BeadOf<'CONFIG_CHANGE'>[] },
  who: string,
): BeadDraft[] {
  const last = recorded.config?.data;
  if (last === undefined) return []; // the first start: nothing to compare with
  const drafts: BeadDraft[] = [];
  const reason = 'found at start: the effective configuration differs from the last CONFIG bead (changed outside phoenix config set)';
  const known = (key: string) => {
    // The value the log last knew: the latest change recorded since the last start, else the CONFIG bead's.
    const change = [...recorded.changes].reverse().find((c) => c.data.key === key && !c.data.secret);
    return change ? change.data.new_value : last.params[key];
  };
  const keys = [...new Set([...Object.keys(last.params), ...Object.keys(now.params)])].filter(isParameter).sort();
  for (const key of keys) {
    const before = known(key);
    const after = now.params[key];
    if (same(before, after)) continue;
    // A setting the last start did not know yet (a newer Phoenix), at its default: nothing was changed.
    if (!(key in last.params) && before === undefined && same(defaultParam(key), after)) continue;
    drafts.push(changeDraft({ key, who, reason, source: 'HOST_START', components: [componentOfParameter(key)], ...(before === undefined ? {} : { old_value: before }), ...(after === undefined ? {} : { new_value: after }) }));
  }
  // A CONFIG bead from before fingerprints says nothing about secrets: no change can be told from it.
  if (last.secrets !== undefined) {
    for (const key of SECRET_KEYS.filter(isParameter)) {
      if (last.secrets[key] === now.secrets[key]) continue;
      if (recorded.changes.some((c) => c.data.key === key && c.data.secret)) continue;
      drafts.push(changeDraft({ key, who, reason, source: 'HOST_START', secret: true, components: [componentOfParameter(key)] }));
    }
  }
  return drafts;
}

export function changeDraft(data: BeadData<'CONFIG_CHANGE'>): BeadDraft {
  return { bead_type: 'CONFIG_CHANGE', stream: streams.config, correlation_id: 'config', data };
}

/** At start, before the CONFIG bead: one CONFIG_CHANGE per parameter changed since the last start; answers how many. */
export async function recordConfigAtStart(o: { log: EventLog; writer: BeadWriter; config: Config; chainKey: Buffer; correlation: string }): Promise<BeadOf<'CONFIG_CHANGE'>[]> {
  const recorded = await lastRecorded(o.log);
  const drafts = changesSinceLastStart({ params: publicParams(o.config), secrets: secretFingerprints(o.config, o.chainKey) }, recorded, `host:${o.config.PHOENIX_HOST_ID}`);
  const written: BeadOf<'CONFIG_CHANGE'>[] = [];
  for (const draft of drafts) written.push((await o.writer.append(draft)) as BeadOf<'CONFIG_CHANGE'>);
  await o.writer.write({ bead_type: 'CONFIG', stream: streams.config, correlation_id: o.correlation, data: configBeadData(o.config, o.chainKey) });
  return written;
}
