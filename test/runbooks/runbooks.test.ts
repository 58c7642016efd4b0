import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ALERT_TYPES, type AlertClass, criticalAlertTypes, RUNBOOKS, type RunbookId, runbookPath } from '../../actors/notify/alertTypes.ts';
import { VECTORS } from '../../tools/bunny/suite.ts';
import { COMMANDS } from '../../tools/cli.ts';
import { QUERY_NAMES } from '../../tools/commands/query.ts';

/**
 * INV-OPS-RUNBOOK-1: every CRITICAL alert type maps to a runbook file, read
 * from THE classification table. Each runbook has its front matter and the
 * five sections, each with the exact Phoenix commands to run, and covers
 * exactly the alert types the table sends to it.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECTIONS = ['Symptoms', 'Immediate actions', 'Investigation', 'Resolution', 'Post-incident review'];
/** A runbook may only tell the operator to run commands that exist: the CLI's own registry says which. */
const COMMAND_NAMES = COMMANDS.map((c) => c.name);
const TABLE = ALERT_TYPES as Record<string, AlertClass>;

interface Runbook {
  front: Record<string, unknown>;
  body: string;
  sections: Map<string, string>;
}

function read(id: RunbookId): Runbook {
  const text = readFileSync(`${ROOT}/${runbookPath(id)}`, 'utf8');
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  if (!match) throw new Error(`${runbookPath(id)} has no YAML front matter`);
  const body = match[2]!;
  const sections = new Map<string, string>();
  const parts = body.split(/^## /m).slice(1);
  for (const part of parts) {
    const [heading, ...rest] = part.split('\n');
    sections.set(heading!.trim(), rest.join('\n'));
  }
  return { front: parse(match[1]!) as Record<string, unknown>, body, sections };
}

function typesOf(id: string): string[] {
  return Object.entries(TABLE)
    .filter(([, cls]) => cls.runbook === id)
    .map(([type]) => type)
    .sort();
}

const ids = Object.keys(RUNBOOKS) as RunbookId[];

describe('INV-OPS-RUNBOOK-1: every CRITICAL alert type maps to a runbook file', () => {
  it('every CRITICAL type (escalation targets included) has its runbook file, and that runbook lists it', () => {
    const critical = criticalAlertTypes();
    expect(critical.length).toBeGreaterThan(0);
    for (const c of critical) {
      const runbook = read(c.runbook);
      expect(runbook.front.alert_types, `${c.type} → ${c.runbook}`).toContain(c.type);
    }
  });

  it('runbooks/ holds exactly the table’s runbooks, RB-001 … RB-008 among them', () => {
    const files = readdirSync(`${ROOT}/runbooks`).filter((f) => /^RB-\d{3}/.test(f)).sort();
    expect(files).toEqual(ids.map((id) => `${RUNBOOKS[id]}.md`).sort());
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8]) expect(ids).toContain(`RB-00${n}`);
  });

  for (const id of ids) {
    describe(RUNBOOKS[id], () => {
      const runbook = read(id);

      it('has the front matter: id, title, the alert types the table sends here, severity, last reviewed', () => {
        const { front } = runbook;
        expect(front.id).toBe(id);
        expect(typeof front.title === 'string' && front.title.length > 3).toBe(true);
        expect([...(front.alert_types as string[])].sort()).toEqual(typesOf(id));
        const escalates = typesOf(id).some((t) => TABLE[t]!.severity === 'CRITICAL' || TABLE[t]!.escalation?.to === 'CRITICAL');
        expect(front.severity).toBe(escalates ? 'CRITICAL' : 'WARNING');
        expect(String(front.last_reviewed)).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      });

      it('has the five sections in order, each with the exact Phoenix commands to run', () => {
        expect([...runbook.sections.keys()]).toEqual(SECTIONS);
        for (const [name, text] of runbook.sections) {
          expect(text.match(/`phoenix [^`]+`/g) ?? [], `${name} of ${id} names no phoenix command`).not.toHaveLength(0);
        }
      });

      it('tells the operator to run only commands and queries that exist', () => {
        for (const [, cmd, sub] of runbook.body.matchAll(/`phoenix ([a-z-]+)(?: ([a-z-]+))?/g)) {
          expect(COMMAND_NAMES, `phoenix ${cmd} in ${id}`).toContain(cmd);
          if (cmd === 'query') expect(QUERY_NAMES, `phoenix query ${sub} in ${id}`).toContain(sub);
        }
        // A chaos vector a runbook sends the operator to is one `phoenix bunny` runs.
        for (const [vector] of runbook.body.matchAll(/\b(CV_S33_\d+|S10_[A-Z0-9_]+)\b/g)) {
          expect(VECTORS.map((v) => v.id), `${vector} in ${id}`).toContain(vector);
        }
      });
    });
  }

  it('documents the gateway gotchas of S8 and the halt with the host down', () => {
    // Prose wraps anywhere: match on text with its line breaks folded to spaces.
    const flat = (id: RunbookId) => read(id).body.replace(/\s+/g, ' ');
    const all = ids.map(flat).join(' ');
    for (const gotcha of [/auto-update restarts the gateway/i, /pin the version/i, /daily restart/i, /weekly re-login with 2FA/i, /timezone mismatch/i, /pacing violation may not throw a hard error/i, /silent disconnect/i, /client id in use/i]) {
      expect(all).toMatch(gotcha);
    }
    expect(flat('RB-004')).toMatch(/Halt with the host down[\s\S]*own client id[\s\S]*global cancel/);
  });
});
