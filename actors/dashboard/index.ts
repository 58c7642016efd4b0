export { DashboardPortError, type DashboardOptions, type GatesFold, type RunningDashboard, startDashboard } from './server.ts';
export { HostTelemetry } from './hostTelemetry.ts';
