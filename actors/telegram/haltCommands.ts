import { whoOf } from '../../machines/types.ts';
import type { EventLog } from '../../store/port.ts';
import type { BeadWriter } from '../../runtime/beadWriter.ts';
import { describeHaltStep, followHalt, haltRequestDraft } from '../killswitch/haltRequest.ts';
import type { KillSwitch } from '../killswitch/killSwitchActor.ts';
import type { LedgerOutcome } from '../killswitch/killSwitchLedger.ts';
import type { TelegramRouter } from './telegramRouter.ts';
import { shortLine, shortReason } from './telegramText.ts';

/** Where the whole of a long reason can be read: the phone shows its head (telegramText.ts). */
const HALT_IN_FULL = 'phoenix replay --stream halt';
const KILLSWITCH_IN_FULL = 'phoenix replay --stream killswitch';

export interface HaltCommandDeps {
  log: EventLog;
  writer: BeadWriter;
  killSwitch: KillSwitch;
  haltReplyTimeoutMs?: number;
}

/** "/halt flatten fat finger" → flatten, "fat finger". A halt needs no reason from the phone: speed first. */
export function parseHaltArgs(args: string): { flatten: boolean; reason: string } {
  const match = /^(--flatten|flatten)\b\s*/i.exec(args);
  const reason = (match ? args.slice(match[0].length) : args).trim();
  return { flatten: match !== null, reason: reason || 'halt from Telegram' };
}

/**
 * /halt and /resume, both behind a confirm button. /halt appends the same
 * HALT STARTED request `phoenix halt` does and reports the host's outcome as
 * it lands; /resume clears the kill flag only with a reason, and only the
 * kill-switch machine decides whether it may.
 */
export function registerHaltCommands(router: TelegramRouter, deps: HaltCommandDeps): void {
  const replyTimeoutMs = deps.haltReplyTimeoutMs ?? 20_000;
  router.confirmedCommand(
    'halt',
    {
      ask(ctx) {
        const { flatten, reason } = parseHaltArgs(ctx.args);
        const what = flatten ? 'cancel every working order AND close every position at market' : 'cancel every working order (positions stay)';
        return `EMERGENCY HALT (RB-004): set the kill flag and ${what}?\nReason: ${shortReason(reason, `the HALT bead once confirmed, ${HALT_IN_FULL}`)}`;
      },
      async run({ args, confirmedBy }) {
        const { flatten, reason } = parseHaltArgs(args);
        const who = whoOf({ kind: 'human', channel: 'TELEGRAM', id: confirmedBy.userId });
        const draft = haltRequestDraft({ who, reason, flatten });
        const { result } = await deps.writer.write(draft);
        const outcome = await followHalt(deps.log, draft.correlation_id, { after: result.position, timeoutMs: replyTimeoutMs });
        const steps = outcome.steps.map((s) => `• ${shortLine(describeHaltStep(s), `bead ${s.bead_id}, ${HALT_IN_FULL}`)}`);
        if ('timedOut' in outcome) {
          return [`Halt requested by ${who} (${draft.correlation_id}); the host has not finished it within ${Math.round(replyTimeoutMs / 1000)} s.`, ...steps, 'Check /status; if the host is down, run phoenix halt on the desk machine (RB-004).'].join('\n');
        }
        const final = shortLine(describeHaltStep(outcome.final), `bead ${outcome.final.bead_id}, ${HALT_IN_FULL}`);
        return [`${outcome.final.data.step === 'COMPLETED' ? '✅' : '❌'} ${final}`, ...steps.slice(0, -1)].join('\n');
      },
      confirmLabel: 'HALT now',
    },
    'emergency halt (RB-004): /halt [flatten] [reason]',
  );
  router.confirmedCommand(
    'resume',
    {
      ask(ctx) {
        if (!ctx.args.trim()) return { usage: 'Usage: /resume <reason>\nOnly a person clears the kill flag, and says why (the cause fixed, and the evidence).' };
        const now = shortLine(deps.killSwitch.describe(), KILLSWITCH_IN_FULL);
        return `Clear the kill flag and allow new entries again?\nNow: ${now}\nReason: ${shortReason(ctx.args.trim(), `the KILL_FLAG bead once confirmed, ${KILLSWITCH_IN_FULL}`)}`;
      },
      async run({ args, confirmedBy }) {
        const outcome = await deps.killSwitch.clear({ kind: 'human', channel: 'TELEGRAM', id: confirmedBy.userId }, args.trim());
        return resumeText(outcome, whoOf({ kind: 'human', channel: 'TELEGRAM', id: confirmedBy.userId }), args.trim());
      },
      confirmLabel: 'Clear kill flag',
    },
    'clear the kill flag: /resume <reason>',
  );
}

export function resumeText(outcome: LedgerOutcome, who: string, reason: string): string {
  switch (outcome.kind) {
    case 'recorded': {
      const bead = outcome.beads[0];
      const where = bead ? `bead ${bead.bead_id}, ${KILLSWITCH_IN_FULL}` : KILLSWITCH_IN_FULL;
      return `Kill flag CLEARED by ${who}: ${shortReason(reason, where)}. New entries are allowed again.`;
    }
    case 'refused':
      return `Not cleared: ${shortLine(outcome.why, KILLSWITCH_IN_FULL)}.`;
    case 'unrecorded':
      return `Not cleared: the event log could not be written (${outcome.why}). The kill flag stays SET.`;
    case 'unchanged':
      return `Nothing changed: the kill flag is ${outcome.flag}.`;
  }
}
