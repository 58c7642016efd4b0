import { type BeadDraft, streams } from '../../beads/index.ts';
import type { Logger } from '../logger.ts';
import type { ChainFinding } from './checker.ts';

/**
 * What a host does with a chain finding (issue 17): says it loudly in the
 * log and records a SECURITY bead for it, once per row however many of its
 * readers met the row. The bead names the row, never what the row says.
 */
export function findingReporter(deps: { logger: Logger; write: (draft: BeadDraft) => Promise<unknown> }): (finding: ChainFinding) => void {
  const told = new Set<string>();
  return (finding) => {
    const key = `${finding.kind}@${finding.position}:${finding.beadId ?? ''}`;
    if (told.has(key)) return;
    told.add(key);
    deps.logger.error({ kind: finding.kind, position: finding.position, stream: finding.stream, bead: finding.beadId }, `SECURITY: ${finding.why}; the row is ignored`);
    const draft: BeadDraft = {
      bead_type: 'SECURITY',
      stream: streams.security,
      correlation_id: finding.beadId ?? `chain-${finding.position}`,
      data: { who: 'log', channel: 'LOG', why: `chain ${finding.kind}: ${finding.why}`, detail: `position ${finding.position}, ${finding.stream} revision ${finding.revision}${finding.beadType ? `, ${finding.beadType}` : ''}` },
    };
    void deps.write(draft).catch((err: Error) => deps.logger.error({ err: err.message }, 'could not record the SECURITY bead of a chain finding'));
  };
}
