import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type BeadOf, type Intent, intentSide, pipSize } from '../../beads/index.ts';
import { writeFileAtomic } from './atomicWrite.ts';

/**
 * PHOENIX_HOME/responses/response.md is the one file the signal side and the
 * operator read back: the latest outcome, whoever produced it. The seam writes
 * intent outcomes; the approval flow reuses writeResponse for its evidence bundle.
 */
export function responsePath(homeDir: string): string {
  return join(homeDir, 'responses', 'response.md');
}

/** Replaces response.md atomically: a reader sees the old file or the new one, never half. */
export async function writeResponse(homeDir: string, markdown: string): Promise<string> {
  const path = responsePath(homeDir);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  return path;
}

/** Text from a file or a sender, made safe for one line of markdown. */
export function mdText(text: string): string {
  // Control characters become visible escapes (\n) so one line stays one line.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1)).replace(/[`|]/g, "'");
}

function pips(a: number, b: number, intent: Intent): string {
  return (Math.abs(a - b) / pipSize(intent.pair)).toFixed(1);
}

/** The intent as a markdown table: the core of the evidence bundle too. */
export function renderIntentTable(intent: Intent): string {
  const risk = Math.abs(intent.entry - intent.stop);
  const reward = Math.abs(intent.target - intent.entry);
  const rows: [string, string][] = [
    ['intent id', `\`${intent.intent_id}\``],
    ['signal', intent.signal],
    ['pair', intent.pair],
    ['side', intentSide(intent)],
    ['entry', String(intent.entry)],
    ['stop', `${intent.stop} (${pips(intent.entry, intent.stop, intent)} pips)`],
    ['target', `${intent.target} (${pips(intent.target, intent.entry, intent)} pips)`],
    ['reward : risk', (reward / risk).toFixed(2)],
    ['confidence', String(intent.confidence)],
    ['setup', intent.setup_type],
    ['created at (anchor)', intent.created_at],
  ];
  return ['| field | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

export interface ResponseContext {
  /** Where the file went: `intents/processed/<name>` or `intents/rejected/<name>`. */
  movedTo: string;
}

function recordLines(bead: BeadOf<'INTENT'>, ctx: ResponseContext): string[] {
  const hash = bead.data.content_hash;
  return [
    '## Record',
    '',
    `- source file: \`${mdText(bead.data.source_file)}\`, now \`${mdText(ctx.movedTo)}\``,
    ...(hash === undefined ? [] : [`- content sha256: \`${hash}\``]),
    `- INTENT bead \`${bead.bead_id}\` on stream \`${bead.stream}\` at ${bead.ts}`,
  ];
}

export function renderIntentResponse(bead: BeadOf<'INTENT'>, ctx: ResponseContext): string {
  const data = bead.data;
  if (data.outcome === 'REJECTED') {
    const title = data.intent_id === undefined ? `file \`${mdText(data.source_file)}\`` : `\`${data.intent_id}\``;
    return [
      `# Intent ${title}: refused`,
      '',
      ...data.reasons.map((r) => `- ${mdText(r)}`),
      '',
      'Nothing goes to approval. Fix the intent and write a new file (writers write a temp name, then rename).',
      '',
      ...recordLines(bead, ctx),
    ].join('\n');
  }
  const intent = data.intent as Intent;
  const ready = intent.signal === 'READY';
  const next = ready
    ? [
        '## What happens next',
        '',
        'The approval flow checks that the anchor (`created_at`) is still fresh and then shows the',
        'evidence bundle in this file. Nothing reaches the broker until a person approves:',
        `\`phoenix approve ${intent.intent_id}\` or \`phoenix reject ${intent.intent_id}\`, or the Telegram buttons.`,
      ]
    : [`A ${intent.signal} signal is recorded as information, not for approval. Only READY intents go to approval.`];
  return [
    `# Intent \`${intent.intent_id}\`: ${ready ? 'accepted, waiting for approval' : 'recorded as information, not for approval'}`,
    '',
    renderIntentTable(intent),
    '',
    ...next,
    '',
    ...recordLines(bead, ctx),
  ].join('\n');
}
