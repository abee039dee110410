// The settings the adapters read, pointed at a running sandbox (no credentials, its endpoints,
// its bucket and key): what an operator's settings would say for the same world.
import type { RunnerOpsSettings } from '../../../src/config/settings';
import type { Sandbox } from '../../sandbox/server';

export function sandboxSettings(sandbox: Sandbox): RunnerOpsSettings {
  const s = sandbox.settings;
  return {
    gitlabUrl: '',
    gitlabProjects: [],
    gcpProject: s['runnerOps.gcp.project'] as string,
    gcpZones: [],
    instanceFilter: '',
    credentials: 'none',
    insights: { queueWarnSeconds: 120, diskWarnPercent: 90 },
    endpoints: s['runnerOps.gcp.endpoints'] as RunnerOpsSettings['endpoints'],
    secretsBucket: s['runnerOps.secrets.bucket'] as string,
    secretsPrefix: s['runnerOps.secrets.prefix'] as string,
    kmsKey: s['runnerOps.secrets.kmsKey'] as string,
    tokenExpiryWarningDays: 14,
    refresh: { slowSeconds: 60 },
    logs: { maxLines: 10_000, runnerLogFilter: '' },
    problems: [],
  };
}
