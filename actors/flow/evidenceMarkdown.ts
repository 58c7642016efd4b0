import { mdText } from '../intents/index.ts';

/**
 * response.md when an approval ends, written over the evidence bundle
 * (actors/approval/render.ts) so the file always says where things stand.
 */
export function renderApprovalEnd(intentId: string, state: string, detail: string): string {
  return [`# Approval \`${intentId}\`: ${state}`, '', mdText(detail), ''].join('\n');
}
