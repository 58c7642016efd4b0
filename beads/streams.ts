/** Stream names: one stream per entity (S1). Projections read them all in global order. */
export const streams = {
  connection: (host: string) => `connection-${host}`,
  approval: (intentId: string) => `approval-${intentId}`,
  intent: (intentId: string) => `intent-${intentId}`,
  order: (orderRef: string) => `order-${orderRef}`,
  position: (positionId: string) => `position-${positionId}`,
  heartbeat: (host: string) => `heartbeat-${host}`,
  host: (host: string) => `host-${host}`,
  killswitch: 'killswitch',
  promotion: 'promotion',
  alerts: 'alerts',
  reconciliation: 'reconciliation',
  halt: 'halt',
  config: 'config',
  bunny: 'bunny',
  uxValidation: 'ux-validation',
  drill: 'drill',
  security: 'security',
  lease: 'host-lease',
  /** A host's chain of seals (issue 17). */
  chain: (host: string) => `chain-${host}`,
  /** The host's answers to other processes' acts that have no stream of their own to carry them. */
  attestations: 'attestations',
  /** Operators' labels on alerts (useful or noise): ground truth for alert precision (S11 Phase 2). */
  alertLabels: 'alert-labels',
} as const;

/** EventStoreDB reserves names that start with `$`; Phoenix never writes one. */
export function isSystemStream(name: string): boolean {
  return name.startsWith('$');
}
