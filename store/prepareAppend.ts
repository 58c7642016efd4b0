import { type Bead, BeadValidationError, validateBead } from '../beads/index.ts';

/**
 * What every adapter does before writing: validate each bead (S1: validation
 * happens at append), check it belongs to the stream, and drop repeats within
 * the batch so a bead_id is stored once.
 */
export function prepareAppend(stream: string, beads: readonly Bead[]): Bead[] {
  const seen = new Set<string>();
  const out: Bead[] = [];
  for (const candidate of beads) {
    const bead = validateBead(candidate);
    if (bead.stream !== stream) {
      throw new BeadValidationError(bead.bead_type, [
        { path: 'stream', message: `bead is for stream ${bead.stream}, appended to ${stream}` },
      ]);
    }
    if (seen.has(bead.bead_id)) continue;
    seen.add(bead.bead_id);
    out.push(bead);
  }
  return out;
}
