import type { Bead } from '../../beads/index.ts';
import { approvalReplayer } from '../../machines/approvalReplay.ts';
import { connectionReplayer } from '../../machines/connectionReplay.ts';
import { killSwitchReplayer } from '../../machines/killswitchReplay.ts';
import { positionReplayer } from '../../machines/positionReplay.ts';
import { promotionReplayer } from '../../machines/promotionReplay.ts';

/**
 * The hook through which `phoenix replay` shows each machine's state at the
 * end of the range. A machine module contributes one entry: which streams it
 * owns and how to rebuild a printable state from their beads (through XState's
 * pure transition, so nothing executes).
 */
export interface MachineReplayer {
  machine: string;
  owns(stream: string): boolean;
  /** Rebuilds the machine from its stream's beads and describes the state reached. */
  stateAfter(beads: readonly Bead[]): string;
}

export const machineReplayers: MachineReplayer[] = [connectionReplayer, killSwitchReplayer, approvalReplayer, positionReplayer, promotionReplayer];
