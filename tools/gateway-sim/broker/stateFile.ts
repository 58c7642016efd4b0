/**
 * Persists the broker-side state so that a simulator killed for real and
 * respawned on the same port still knows its orders, fills and positions, the
 * way a real gateway's state lives on at IB.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type BrokerState, brokerStateSchema } from './brokerTypes.ts';

export class StateFileError extends Error {
  override name = 'StateFileError';
}

/** Returns undefined for a missing or empty file; throws StateFileError for a bad one. */
export function loadBrokerState(path: string): BrokerState | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  if (text.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StateFileError(`state file ${path} is not JSON: ${(error as Error).message}`);
  }
  const parsed = brokerStateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown shape';
    throw new StateFileError(`state file ${path} is not a gateway-sim state file (${where})`);
  }
  return parsed.data;
}

/**
 * Writes synchronously to a temp file and renames it over the old one, so a
 * SIGKILL at any instant leaves either the old or the new state, never half.
 */
export function saveBrokerState(path: string, state: BrokerState): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(state));
  renameSync(temp, path);
}
