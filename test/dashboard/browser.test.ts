import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { evidence, intent } from '../approval/fixtures.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { at, beads, T0 } from './beads.ts';
import { HAVE_CHROMIUM, type HeadlessBrowser, launchChromium, NO_CHROMIUM_MESSAGE } from './browser.ts';
import { screenshot } from './screenshots.ts';
import { startTestDashboard, type TestDashboard } from './support.ts';

if (!HAVE_CHROMIUM) console.warn(NO_CHROMIUM_MESSAGE);

const INJECTION = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
/** The bundle as the trade flow records it in EVIDENCE_SHOWN; only what the page needs to show differs from the fixture. */
const EVIDENCE = {
  ...evidence(intent({ intent_id: 'int-42' })),
  paper_validation: { summary: '2/8 phase-1 gates met', gates: [{ id: 'P1-5', name: 'RUNBOOKS_COMPLETE', status: 'NOT_MET', detail: 'all 13 runbooks present; no RB-004 drill recorded (phoenix drill)' }] },
};
const DRIFT = [{ kind: 'POSITION_QUANTITY', subject: 'EURUSD', broker: '40000', local: '20000' }];

/** A readable bundle whose free text (ids, gate details: anything a bead may carry) is markup. */
function hostileEvidence() {
  return {
    ...EVIDENCE,
    account: { ...EVIDENCE.account, open_positions: [{ position_id: INJECTION, pair: 'EURUSD', side: 'LONG' as const, quantity: 20000, state: 'MANAGED' }] },
    paper_validation: { summary: INJECTION, gates: [{ id: INJECTION, name: 'P1-5', status: 'NOT_MET', detail: INJECTION }] },
  };
}

function desk() {
  return [
    beads.hostStarted({ t: 0, mode: 'PAPER' }),
    beads.session('CONNECT', {}, { t: 1 }),
    ...[0, 30, 60].map((t) => beads.heartbeat({ t: t + 2 })),
    beads.heartbeat({ t: 140 }),
    beads.heartbeat({ t: 170 }),
    beads.position('pos-7', 'MANAGED', { unrealised_pnl: 123.45 }, { t: 150 }),
    beads.position('pos-3', 'CLOSED', { realised_pnl: -18.5 }, { t: 151 }),
    beads.approval('int-42', 'EVIDENCE_SHOWN', { verdict: 'FRESH', anchor_age_s: 42, evidence: EVIDENCE }, { t: 160 }),
    beads.alert('alert-1', 'RAISED', { severity: 'WARNING', alert_type: 'POSITION_STALLED', message: 'pos-7 has not moved for 6 min', runbook_id: 'RB-003' }, { t: 161 }),
    beads.reconciliation('DRIFT', DRIFT, { t: 162 }),
    beads.reconciliation('MATCH', [], { t: 171 }),
  ];
}

async function text(page: Page, selector: string, contains: string): Promise<string> {
  const locator = page.locator(selector, { hasText: contains });
  await locator.first().waitFor({ timeout: 5000 });
  return (await locator.first().textContent()) ?? '';
}

/** What a person reads beside a label in an approval's evidence section, once that row is on screen. */
async function evidenceRow(page: Page, intentId: string, section: string, label: string): Promise<string> {
  const approval = page.locator('#approvals .approval', { has: page.locator('h3', { hasText: intentId }) });
  const term = approval.locator('.evidence-section', { has: page.locator('h4', { hasText: section }) }).locator('dt', { hasText: label });
  await term.first().waitFor({ state: 'visible', timeout: 5000 });
  return (await term.first().locator('xpath=following-sibling::dd[1]').textContent()) ?? '';
}

// One tab follows the whole story, as an operator's would: every step after the first is a live update.
describe.skipIf(!HAVE_CHROMIUM)('dashboard in headless Chromium', () => {
  let browser: HeadlessBrowser;
  let t: TestDashboard;
  let page: Page;
  let errors: string[];
  const tmp = makeTempDir('phoenix-dashboard-browser');

  beforeAll(async () => {
    const log = new SqliteEventLog(defaultLogPath(tmp.dir));
    [browser, t] = await Promise.all([launchChromium(), startTestDashboard({ log, history: desk(), clockAt: T0 + 175_000 })]);
    ({ page, errors } = await browser.newPage());
    await page.goto(t.dashboard.url);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    tmp.remove();
  });

  it('shows mode, health, positions with P&L, pending evidence, alerts, drift and the kill flag', async () => {
    await text(page, '#live', 'live');
    expect(await page.textContent('#mode')).toBe('PAPER');
    expect(await text(page, '#banner-level', 'HEALTHY')).toBe('HEALTHY');
    expect(await page.getAttribute('#banner', 'class')).toContain('level-HEALTHY');
    expect(await text(page, '#kill', 'ARMED')).toContain('trading allowed');
    const position = await text(page, '#positions tr', 'pos-7');
    expect(position).toContain('123.45');
    expect(position).toContain('MANAGED');
    expect(await text(page, '#pnl-summary', 'realised')).toContain('-18.50');
    expect(await text(page, '#approvals .approval', 'int-42')).toContain('Evidence');
    expect(await text(page, '#alerts tr', 'POSITION_STALLED')).toContain('pos-7 has not moved for 6 min');
    const drift = await text(page, '#drift', 'Last drift');
    expect(drift).toContain('POSITION_QUANTITY');
    expect(drift).toContain('40000');
    expect(await page.locator('#heartbeats .beat.gap').count()).toBe(1);
    expect(await text(page, '#gates', 'P1-8')).toContain('not yet computed');
    expect(errors).toEqual([]);
  });

  it('shows a pending approval’s evidence as the terminal words it: labelled rows, no JSON', async () => {
    expect(await evidenceRow(page, 'int-42', 'Risk', 'money at risk')).toBe('60.00 USD');
    expect(await evidenceRow(page, 'int-42', 'Risk', 'reward : risk')).toBe('2.00');
    expect(await evidenceRow(page, 'int-42', 'Risk', 'pips to stop')).toBe('30 pips from the entry; 30 from the current price');
    expect(await evidenceRow(page, 'int-42', 'Now', 'current price')).toBe(`1.085 (bid 1.0849, ask 1.0851) at ${EVIDENCE.price?.at}`);
    expect(await evidenceRow(page, 'int-42', 'Intent', 'order')).toBe('LONG 20000 EURUSD: entry 1.085, stop 1.082, target 1.091');
    expect(await evidenceRow(page, 'int-42', 'Account', 'balance')).toBe('100000.00 USD');
    expect(await evidenceRow(page, 'int-42', 'Paper validation', 'P1-5 RUNBOOKS_COMPLETE')).toBe('NOT_MET: all 13 runbooks present; no RB-004 drill recorded (phoenix drill)');
    const shown = await page.locator('#approvals .approval', { hasText: 'int-42' }).textContent();
    expect(shown).not.toMatch(/[{}"]/);
    expect(shown).not.toContain('money_at_risk');
  });

  it('puts the bundle’s warnings first, and names a record it cannot read instead of dumping it', async () => {
    const throughStop = { ...EVIDENCE, intent: intent({ intent_id: 'int-43' }), risk: { ...EVIDENCE.risk, pips_price_to_stop: -4 } };
    await t.append(
      beads.approval('int-43', 'EVIDENCE_SHOWN', { evidence: throughStop }, { t: 172 }),
      beads.approval('int-44', 'EVIDENCE_SHOWN', { evidence: { assembled_at: at(172), risk: { units: 'lots' } } }, { t: 172 }),
    );
    const warned = page.locator('#approvals .approval', { hasText: 'int-43' }).locator('.evidence .warning');
    await warned.first().waitFor({ state: 'visible', timeout: 5000 });
    expect(await warned.allTextContents()).toEqual(['the current price is already 4 pips through the stop']);
    const odd = await text(page, '#approvals .approval', 'int-44');
    expect(odd).toContain('the recorded evidence cannot be read');
    expect(odd).not.toMatch(/[{}]/);
    expect(errors).toEqual([]);
  });

  it('updates live when a bead is appended, without reloading the page', async () => {
    await page.evaluate('window.__sameDocument = true');
    await t.append(
      beads.degraded('order ref-9 unchanged for 6 min', { t: 174 }),
      beads.killFlag('SET', 'operator', 'halt drill RB-004', { t: 174 }),
      beads.session('DISCONNECT', { reason: 'socket closed by gateway' }, { t: 174.5 }),
    );
    expect(await text(page, '#kill-state', 'KILL FLAG SET')).toContain('new entries refused');
    expect(await text(page, '#kill-detail', 'operator')).toContain('halt drill RB-004');
    expect(await text(page, '#banner-level', 'CRITICAL')).toBe('CRITICAL');
    expect(await text(page, '#banner-detail', 'order ref-9')).toContain('broker connection DISCONNECTED');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
  });

  it('shows markup from a bead as text and never runs it', async () => {
    await t.append(
      beads.alert('alert-x', 'RAISED', { message: INJECTION, alert_type: '<b>BOLD</b>' }, { t: 176 }),
      beads.approval('int-<i>x</i>', 'EVIDENCE_SHOWN', { evidence: hostileEvidence() }, { t: 176 }),
    );
    expect(await text(page, '#alerts tr', 'window.__pwned')).toContain(INJECTION);
    expect(await evidenceRow(page, 'int-<i>x</i>', 'Account', 'open positions')).toBe(`${INJECTION} LONG 20000 EURUSD MANAGED`);
    expect(await evidenceRow(page, 'int-<i>x</i>', 'Paper validation', `${INJECTION} P1-5`)).toBe(`NOT_MET: ${INJECTION}`);
    expect(await text(page, '#activity', '<b>BOLD</b>')).toContain(INJECTION);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(await page.locator('img, b, i, #alerts script, #approvals script').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('is read-only from the browser too: a POST gets 405', async () => {
    const statuses = await page.evaluate(
      `Promise.all(['/', '/api/dashboard', '/events', '/metrics', '/nope'].map((p) => fetch(p, { method: 'POST', body: 'x' }).then((r) => r.status)))`,
    );
    expect(statuses).toEqual([405, 405, 405, 405, 405]);
  });

  it('renders a readable screenshot', async () => {
    const shot = await screenshot(page, 'dashboard');
    expect(shot.bytes).toBeGreaterThan(20_000);
  });

  // Last: it takes the server away from the tab.
  it('says "reconnecting" when the stream is lost', async () => {
    await t.dashboard.stop();
    expect(await text(page, '#live', 'reconnecting')).toBe('reconnecting');
  });
});

describe.skipIf(HAVE_CHROMIUM)('dashboard in headless Chromium', () => {
  it.skip(NO_CHROMIUM_MESSAGE, () => undefined);
});
