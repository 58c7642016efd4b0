export { DashboardPortError, type DashboardOptions, type GatesFold, type GatesOn, type RunningDashboard, startDashboard } from './server.ts';
export { HostTelemetry } from './hostTelemetry.ts';
