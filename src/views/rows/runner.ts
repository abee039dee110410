// A registered runner's row: status, type, tags, version, last contact and the VM that hosts it.
import * as vscode from 'vscode';
import type { Runner, WorkerVm } from '../../core/model';
import { runnerLabel } from '../../core/names';
import { GLYPHS, runnerStatus } from '../../core/status-table';
import { describeQueue } from '../../core/queue-time';
import { formatAgo, formatWhen } from '../../core/time-format';
import type { RunnerInsights } from '../insights';
import { escapeMd, tooltip } from './common';
import { iconOf } from './icon';

const TYPE_LABEL: Record<string, string> = { instance_type: 'instance', group_type: 'group', project_type: 'project' };

export interface RunnerRowData {
  runner: Runner;
  /** The VMs it is linked to, each with how ("matched by manager IP …"). */
  hosts: Array<{ vm: WorkerVm; how?: string }>;
  /** Why a runner with clues to its VM is linked to none. */
  ambiguity?: string;
  /** An action in flight: "Pausing…". */
  busy?: string;
  /** Versions against GitLab's, queue times (src/views/insights.ts). */
  insights?: RunnerInsights;
  /** What the last Verify of the secrets found wrong with this runner's stored token. */
  tokenProblems?: string[];
  now: number;
}

export function runnerRow({
  runner,
  hosts,
  ambiguity,
  busy,
  insights,
  tokenProblems = [],
  now,
}: RunnerRowData): vscode.TreeItem {
  const status = runnerStatus(runner);
  const type = TYPE_LABEL[runner.type] ?? runner.type;
  const item = new vscode.TreeItem(runnerLabel(runner), vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `runner:${runner.id}`;
  item.iconPath = iconOf(busy ? GLYPHS.busy : status);
  const contact = runner.contactedAt ? formatAgo(runner.contactedAt, now) : undefined;
  item.description =
    busy ??
    [
      status.label,
      type,
      runner.tags.length ? runner.tags.join(', ') : 'untagged',
      runner.version
        ? `v${runner.version}${insights?.version?.short ? ` (${insights.version.short})` : ''}`
        : undefined,
      contact,
      hosts.length ? `on ${hosts.map((h) => h.vm.name).join(', ')}` : undefined,
      insights?.queueWarning ? 'slow queue' : undefined,
      ...tokenProblems,
    ]
      .filter(Boolean)
      .join(' · ');
  const hosted = hosts.length
    ? `Hosted on: ${hosts.map((h) => `${escapeMd(h.vm.name)} (${h.vm.zone})${h.how ? `, ${escapeMd(h.how)}` : ''}`).join('; ')}`
    : `Hosted on: ${escapeMd(ambiguity ?? 'not found among the runner VMs')}`;
  item.tooltip = tooltip(
    [
      `**Runner ${escapeMd(runnerLabel(runner))}** — ${status.label}`,
      runner.paused && 'Paused: it picks no new jobs until resumed.',
      `Type: ${type}`,
      `Tags: ${runner.tags.length ? runner.tags.map((t) => `\`${t}\``).join(' ') : 'none'}`,
      runner.runUntagged !== undefined && `Runs untagged jobs: ${runner.runUntagged ? 'yes' : 'no'}`,
      runner.version && `Version: ${runner.version}${insights?.version ? `, ${insights.version.text}` : ''}`,
      insights && upgradeHint(insights),
      insights?.pair && `A/B pair: ${insights.pair}`,
      runner.executor && `Executor: ${runner.executor}`,
      insights?.queueWarning && `$(warning) ${escapeMd(insights.queueWarning)}`,
      insights?.queue && `Queue time: ${describeQueue(insights.queue)}`,
      ...(insights?.tagQueues ?? []).map(([tag, stats]) => `Queue time for \`${tag}\` jobs: ${describeQueue(stats)}`),
      `Last contact: ${runner.contactedAt ? formatWhen(runner.contactedAt, now) : 'never'}`,
      hosted,
      ...tokenProblems.map((p) => `Token: ${escapeMd(p)}`),
      ...(runner.managers ?? []).map(
        (m) =>
          `Host \`${m.systemId}\`: ${[
            m.ipAddress && `IP ${m.ipAddress}`,
            m.version && `v${m.version}`,
            `last contact ${m.contactedAt ? formatWhen(m.contactedAt, now) : 'never'}`,
          ]
            .filter(Boolean)
            .join(', ')}`,
      ),
    ],
    true,
  );
  item.contextValue = `runner.${runner.paused ? 'paused' : 'active'}${runner.webUrl ? '.web' : ''}`;
  item.accessibilityInformation = { label: `Runner ${runnerLabel(runner)}, ${busy ?? status.label}` };
  return item;
}

/** How to catch up with GitLab's version: through Re-provision Worker when it exists. */
function upgradeHint({ version, canReprovision }: RunnerInsights): string | undefined {
  if (!version?.upgradeTag || version.kind !== 'behind') return undefined;
  const tag = `\`${version.upgradeTag}\` (or a newer patch)`;
  return canReprovision
    ? `Upgrade: Re-provision Worker from an instance template whose runner image is ${tag} (runnerOps.reprovision.instanceTemplate).`
    : `Upgrade: run gitlab-runner ${tag} on its VM.`;
}
