import type { AnyMachineSnapshot } from 'xstate';

/** The part of a snapshot replay must reproduce: where the machine is and what it knows. */
export function comparableSnapshot(snapshot: AnyMachineSnapshot): { value: unknown; context: unknown; status: string } {
  return { value: snapshot.value, context: snapshot.context, status: snapshot.status };
}
