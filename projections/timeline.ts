import type { Bead } from '../beads/index.ts';
import { quoteCurrency } from '../machines/tradeArithmetic.ts';

/**
 * One line of an incident timeline: the key fields of a bead, in words an
 * operator reads at 3 a.m. Pure; `phoenix replay` and the dashboard share it.
 */
export function summarizeBead(bead: Bead): string {
  switch (bead.bead_type) {
    case 'IBKR_SESSION': {
      const d = bead.data;
      const attempt = d.reconnect_attempt ? ` attempt ${d.reconnect_attempt}` : '';
      return `${d.event}${attempt}${d.escalated ? ' ESCALATED' : ''} ${d.mode} account ${d.account} port ${d.port}${d.reason ? ` (${d.reason})` : ''}`;
    }
    case 'HEARTBEAT': {
      const d = bead.data;
      const failing = Object.entries(d.checks).filter(([, ok]) => !ok).map(([name]) => name);
      const issues = d.details?.map((x) => x.message).join('; ');
      return `${d.status}${d.miss_count ? ` miss ${d.miss_count}` : ''}${failing.length ? ` failing: ${failing.join(', ')}` : ''}${issues ? ` — ${issues}` : ''}`;
    }
    case 'INTENT': {
      const d = bead.data;
      if (d.outcome === 'ACCEPTED') {
        const i = d.intent;
        return `ACCEPTED ${i.intent_id} ${i.signal} ${i.pair} entry ${i.entry} stop ${i.stop} target ${i.target}`;
      }
      return `REJECTED ${d.source_file}: ${d.reasons.join('; ')}`;
    }
    case 'APPROVAL': {
      const d = bead.data;
      const extra = [d.verdict, d.decision, d.decided_by && `by ${d.decided_by}`, d.channel, d.reason].filter(Boolean);
      return `${d.event} ${d.intent_id}${extra.length ? ` ${extra.join(' ')}` : ''}`;
    }
    case 'ORDER': {
      const d = bead.data;
      const what = [d.role, d.action, d.quantity, d.pair, d.order_type, d.limit_price ?? d.stop_price].filter((x) => x !== undefined);
      return `${d.event} ref ${d.order_ref}${d.order_id !== undefined ? ` id ${d.order_id}` : ''}${what.length ? ` ${what.join(' ')}` : ''}${d.status ? ` status ${d.status}` : ''}${d.reason ? ` (${d.reason})` : ''}`;
    }
    case 'FILL': {
      const d = bead.data;
      return `${d.side} ${d.quantity} ${d.pair} @ ${d.price} order ${d.order_id} exec ${d.exec_id}`;
    }
    case 'POSITION': {
      const d = bead.data;
      const pnl = d.realised_pnl ?? d.unrealised_pnl;
      return `${d.position_id} ${d.previous_state ? `${d.previous_state} → ` : ''}${d.state} ${d.side} ${d.quantity} ${d.pair}${pnl !== undefined ? ` P&L ${pnl.toFixed(2)} ${quoteCurrency(d.pair)}` : ''}`;
    }
    case 'AUTOPSY': {
      const d = bead.data;
      return `${d.position_id} ${d.exit_reason} P&L ${d.pnl.toFixed(2)} ${quoteCurrency(d.pair)} R ${d.r_multiple.toFixed(2)} in ${d.duration_s}s slippage ${d.slippage_pips} pips`;
    }
    case 'RECONCILIATION': {
      const d = bead.data;
      return `${d.result}${d.trigger ? ` (${d.trigger})` : ''}${d.drift.length ? `: ${d.drift.map((x) => `${x.kind} ${x.subject}`).join('; ')}` : ''}`;
    }
    case 'ALERT': {
      const d = bead.data;
      return `${d.event} ${d.severity} ${d.alert_type}: ${d.message}${d.runbook_id ? ` [${d.runbook_id}]` : ''}`;
    }
    case 'KILL_FLAG':
      return `${bead.data.state} by ${bead.data.who}: ${bead.data.reason}`;
    case 'HALT': {
      const d = bead.data;
      return `${d.step}${d.flatten ? ' (flatten)' : ''}${d.count !== undefined ? ` count ${d.count}` : ''}${d.elapsed_ms !== undefined ? ` after ${d.elapsed_ms} ms` : ''}`;
    }
    case 'CONFIG':
      return `effective config ${bead.data.config_hash}`;
    case 'CONFIG_CHANGE': {
      const d = bead.data;
      const what = d.secret ? 'changed (secret: no value recorded)' : `${String(d.old_value ?? '(unset)')} → ${String(d.new_value ?? '(unset)')}`;
      return `${d.key}: ${what} by ${d.who}${d.reason ? ` (${d.reason})` : ''}`;
    }
    case 'PROMOTION': {
      const d = bead.data;
      if (d.event === 'DECISION') return `DECISION ${d.decision ?? 'PROMOTE_LIVE'} by ${d.decided_by ?? '?'} at ${d.state}: ${d.reason}`;
      return `${d.previous ? `${d.previous} → ` : ''}${d.state}: ${d.reason}`;
    }
    case 'ALERT_LABEL':
      return `${bead.data.label} ${bead.data.alert_type} ${bead.data.alert_id} by ${bead.data.who} on ${bead.data.channel}${bead.data.note ? `: ${bead.data.note}` : ''}`;
    case 'BUNNY':
      return `${bead.data.vector_id} ${bead.data.result}: ${bead.data.evidence}`;
    case 'DRILL': {
      const d = bead.data;
      return `${d.runbook_id} ${d.event}${d.outcome ? ` ${d.outcome}` : ''}${d.resolution_ms !== undefined ? ` in ${d.resolution_ms} ms` : ''}`;
    }
    case 'HOST':
      return `${bead.data.event} pid ${bead.data.pid} version ${bead.data.version} config ${bead.data.config_hash}`;
    case 'SECURITY':
      return `refused ${bead.data.who} on ${bead.data.channel}: ${bead.data.why}`;
    case 'LEASE': {
      const d = bead.data;
      return `${d.event} by ${d.holder} (pid ${d.pid} on ${d.hostname}) until ${d.expires_at}${d.previous_holder ? ` from ${d.previous_holder}` : ''}`;
    }
    case 'UX_CONFIRMATION':
      return `approval UX confirmed by ${bead.data.who} (${bead.data.flows} paper flows timed): ${bead.data.note}`;
    case 'SEAL':
      return `seal ${bead.data.seq} of ${bead.data.beads.length} bead(s)${bead.data.retracts?.length ? `, retracting seal(s) ${bead.data.retracts.join(', ')}` : ''}`;
    case 'ATTESTATION': {
      const d = bead.data;
      return `${d.verdict} ${d.subject_type} ${d.subject_id} (${d.method}${d.operator ? ` ${d.operator}` : ''})${d.why ? `: ${d.why}` : ''}`;
    }
  }
}
