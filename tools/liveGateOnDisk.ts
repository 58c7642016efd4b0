import { existsSync } from 'node:fs';
import { runbookInputs } from '../actors/gates/runbookInputs.ts';
import { standingOptions } from '../actors/promotion/promotionActor.ts';
import { chainKeyPath, loadChainKey } from '../runtime/chain/chainKey.ts';
import { liveGateOnChainedEvidence } from '../runtime/chain/liveGate.ts';
import type { Config } from '../runtime/config/load.ts';
import type { LiveGateVerdict } from '../projections/liveGate.ts';
import { openEventLog } from '../store/open.ts';
import type { EventLog } from '../store/port.ts';
import { defaultLogPath } from '../store/sqlite.ts';

/**
 * The live gate in full (S11, issue 14): the phase-1 gates on paper and
 * promotion at LIVE_ACTIVE, from what the log proves (issue 17). What is
 * known without reading the log: no log at all means no paper history and
 * no promotion, and no chain key nothing a host sealed. Otherwise undefined:
 * the host judges the gate from its one read of the log (issue 15) and stops
 * before any order path when it is shut (LiveGateShutError).
 */
export function liveGateUnread(config: Config): LiveGateVerdict | undefined {
  if (config.logBackend === 'sqlite' && !existsSync(defaultLogPath(config.homeDir))) {
    return { open: false, missing: [`no event log at ${defaultLogPath(config.homeDir)}: no paper history (P1-1…P1-6, P1-8) and no promotion to LIVE_ACTIVE`] };
  }
  if (!loadChainKey(config.homeDir, { create: false })) {
    return { open: false, missing: [`no chain key at ${chainKeyPath(config.homeDir)}: no paper history a host sealed (P1-1…P1-6, P1-8) and no promotion to LIVE_ACTIVE`] };
  }
  return undefined;
}

/**
 * The same read-only, with a read of the log: for a command that judges the
 * gate as the host would (`phoenix promote`, on the log it has open), and
 * for a start refused anyway (another guard failed), so the refusal still
 * names every missing piece and no host starts to read the log again.
 */
export async function liveGateOnDisk(config: Config, open?: EventLog): Promise<LiveGateVerdict> {
  const unread = liveGateUnread(config);
  if (unread) return unread;
  const key = loadChainKey(config.homeDir, { create: false })!;
  const log = open ?? (await openEventLog(config, { readonly: true }));
  try {
    // Issue 17: on sealed evidence only, as the host judges it; a PROMOTION bead counts only sealed.
    const gate = await liveGateOnChainedEvidence(log, key, { runbooks: runbookInputs() }, { windowMs: standingOptions(config).windowMs });
    return gate.live!;
  } finally {
    if (open === undefined) await log.close();
  }
}
