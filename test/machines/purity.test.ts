import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALERT_TYPES, type AlertType, isAlertType } from '../../actors/notify/alertTypes.ts';
import { RAISED_ALERT_TYPES, type RaisedAlertType } from '../../machines/types.ts';

const MACHINES = join(import.meta.dirname, '../../machines');

describe('machines stay pure', () => {
  it('no machine file imports node:*, pino, an actor or a store, or reads the clock or timers itself', () => {
    for (const file of readdirSync(MACHINES).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(MACHINES, file), 'utf8');
      const imports = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      const foreign = imports.filter((i) => !(i === 'xstate' || i.startsWith('xstate/') || i.startsWith('./') || i.startsWith('../beads/')));
      expect({ file, foreign }).toEqual({ file, foreign: [] });
      // Formatting a time given as data (`new Date(ms)`) is fine; reading the clock (`new Date()`, `Date.now()`) is not.
      expect({ file, clock: /Date\.now\(|new Date\(\)|setTimeout\(|setInterval\(|Math\.random\(/.test(text) }).toEqual({ file, clock: false });
    }
  });

  it('every alert type a machine or guard raises is in the classification table', () => {
    // Compile-time: the union must fit the table's keys.
    const fits: AlertType = '' as RaisedAlertType;
    void fits;
    for (const type of RAISED_ALERT_TYPES) expect(isAlertType(type), type).toBe(true);
    expect(ALERT_TYPES.CONNECTION_ESCALATED.title).toBe('Connection rotting — run RB-001');
  });
});
