import { streams } from '../../beads/index.ts';
import type { EventLog, LogPosition } from '../../store/port.ts';
import { type HaltRequest, haltRequestOf, isFinalStep } from './haltRequest.ts';

/**
 * Halts a person asked for before this host's lease that never reached
 * COMPLETED or FAILED: the host was hung or died before it finished (or
 * before it saw the request). A halt is a person saying "stop"; a restart
 * must not quietly forget it. A resume after the request means a person has
 * dealt with it, so it is left alone. Direct halts belong to the process
 * that asked: running one twice could flatten twice.
 */
export async function unfinishedHalts(log: EventLog, before: LogPosition): Promise<HaltRequest[]> {
  const open = new Map<string, { request: HaltRequest; position: LogPosition }>();
  for (const entry of await log.readStream(streams.halt)) {
    if (entry.kind !== 'bead') continue;
    const request = haltRequestOf(entry.bead);
    if (request) {
      if (!request.direct && entry.position <= before) open.set(request.haltId, { request, position: entry.position });
    } else if (entry.bead.bead_type === 'HALT' && isFinalStep(entry.bead.data.step)) {
      open.delete(entry.bead.correlation_id);
    }
  }
  if (open.size === 0) return [];
  let lastResume = Number.NEGATIVE_INFINITY;
  for (const entry of await log.readStream(streams.killswitch)) {
    if (entry.kind === 'bead' && entry.bead.bead_type === 'KILL_FLAG' && entry.bead.data.state === 'CLEARED') lastResume = entry.position;
  }
  return [...open.values()].filter((o) => o.position > lastResume).map((o) => o.request);
}
