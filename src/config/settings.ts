// Reads the runnerOps.* settings and says which parts of the product they enable.
import * as vscode from 'vscode';

export interface RunnerOpsSettings {
  gitlabUrl: string;
  gitlabProjects: Array<string | number>;
  gcpProject: string;
  gcpZones: string[];
  instanceFilter: string;
  credentials: 'adc' | 'none';
  endpoints: { compute?: string; kms?: string; storage?: string; logging?: string };
  secretsBucket: string;
  secretsPrefix: string;
  kmsKey: string;
}

export function readSettings(): RunnerOpsSettings {
  const c = vscode.workspace.getConfiguration('runnerOps');
  return {
    gitlabUrl: c.get<string>('gitlab.url', 'https://gitlab.com'),
    gitlabProjects: c.get<Array<string | number>>('gitlab.projects', []),
    gcpProject: c.get<string>('gcp.project', ''),
    gcpZones: c.get<string[]>('gcp.zones', []),
    instanceFilter: c.get<string>('gcp.instanceFilter', ''),
    credentials: c.get<'adc' | 'none'>('gcp.credentials', 'adc'),
    endpoints: c.get('gcp.endpoints', {}),
    secretsBucket: c.get<string>('secrets.bucket', ''),
    secretsPrefix: c.get<string>('secrets.prefix', ''),
    kmsKey: c.get<string>('secrets.kmsKey', ''),
  };
}

/** Context keys the welcome views use to explain what is missing. */
export function configuredParts(s: RunnerOpsSettings) {
  const gitlab = s.gitlabProjects.length > 0 && s.gitlabUrl.trim() !== '';
  const gcp = s.gcpProject.trim() !== '';
  const secrets = s.secretsBucket.trim() !== '' && s.kmsKey.trim() !== '';
  return { gitlab, gcp, secrets, any: gitlab || gcp || secrets };
}
