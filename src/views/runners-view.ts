// Registered Runners: what GitLab knows about each runner, the VM that hosts it, and its recent
// jobs (fetched when the row is expanded).
import * as vscode from 'vscode';
import type { Job, Runner } from '../core/model';
import { byPriority, jobStatus, runnerStatus } from '../core/status-table';
import { formatAgo, formatDuration } from '../core/time-format';
import { FleetTree } from './fleet-tree';
import { errorItem, escapeMd, loadingItem, messageItem, statusIcon } from './presentation';

export type RunnerNode =
  { kind: 'runner'; runner: Runner } | { kind: 'job'; job: Job } | { kind: 'item'; item: vscode.TreeItem };

const TYPE_LABEL: Record<string, string> = { instance_type: 'instance', group_type: 'group', project_type: 'project' };

export class RunnersView extends FleetTree<RunnerNode> {
  getChildren(node?: RunnerNode): RunnerNode[] {
    const store = this.store();
    if (!store || store.gitlabAvailable === false) return []; // the welcome content explains what is missing
    if (!node) {
      return this.listRows(store.runners, 'runners', 'No runners are available to the configured projects', (runners) =>
        [...runners]
          .sort((a, b) => byPriority(runnerStatus(a), runnerStatus(b)) || a.id - b.id)
          .map((runner): RunnerNode => ({ kind: 'runner', runner })),
      );
    }
    if (node.kind !== 'runner') return [];
    const jobs = store.runnerJobs.get(node.runner.id);
    if (!jobs || (!jobs.value && !jobs.error)) {
      if (!jobs?.loading) void store.loadRunnerJobs(node.runner.id);
      return [{ kind: 'item', item: loadingItem('recent jobs') }];
    }
    if (jobs.error && !jobs.value) return [{ kind: 'item', item: errorItem(jobs.error, false) }];
    if (!jobs.value?.length) return [{ kind: 'item', item: messageItem('No jobs yet') }];
    return jobs.value.map((job) => ({ kind: 'job', job }));
  }

  getTreeItem(node: RunnerNode): vscode.TreeItem {
    if (node.kind === 'item') return node.item;
    if (node.kind === 'job') return jobItem(node.job, this.now(), `runner-job:${node.job.id}`);
    return this.runnerItem(node.runner);
  }

  private runnerItem(runner: Runner): vscode.TreeItem {
    const store = this.store();
    const status = runnerStatus(runner);
    const vms = this.links().vmsOfRunner(runner.id);
    const busy = store?.busy.get(`runner:${runner.id}`);
    const item = new vscode.TreeItem(
      `#${runner.id} ${runner.description || '(no description)'}`,
      vscode.TreeItemCollapsibleState.Collapsed,
    );
    item.id = `runner:${runner.id}`;
    item.iconPath = busy ? new vscode.ThemeIcon('loading~spin') : statusIcon(status);
    const contact = runner.contactedAt ? formatAgo(runner.contactedAt, this.now()) : undefined;
    item.description =
      busy ??
      [
        status.label,
        TYPE_LABEL[runner.type] ?? runner.type,
        runner.tags.length ? runner.tags.join(', ') : 'untagged',
        runner.version ? `v${runner.version}` : undefined,
        contact,
        vms.length ? `on ${vms.map((vm) => vm.name).join(', ')}` : undefined,
      ]
        .filter(Boolean)
        .join(' · ');
    const how = vms.map((vm) => this.links().how(runner.id, vm.id)).filter(Boolean);
    item.tooltip = new vscode.MarkdownString(
      [
        `**Runner #${runner.id}** ${escapeMd(runner.description)}`,
        `Status: ${status.label}${runner.paused ? ' (paused: picks no new jobs)' : ''} · Type: ${TYPE_LABEL[runner.type] ?? runner.type}`,
        `Tags: ${runner.tags.length ? runner.tags.map((t) => `\`${t}\``).join(' ') : 'none'}${runner.runUntagged ? ' · runs untagged jobs' : ''}`,
        `Version: ${runner.version ?? '—'} · Executor: ${runner.executor ?? '—'}`,
        `Last contact: ${runner.contactedAt ? `${new Date(runner.contactedAt).toISOString()} (${contact})` : 'never'}`,
        vms.length
          ? `Hosted on: ${vms.map((vm) => `${escapeMd(vm.name)} (${vm.zone})`).join(', ')}${how.length ? ` — ${escapeMd(how.join('; '))}` : ''}`
          : (this.links().ambiguity(runner.id) ?? 'Hosting VM: not found among the runner VMs'),
        ...(runner.managers ?? []).map(
          (m) =>
            `Host \`${m.systemId}\` ${m.ipAddress ?? ''} ${m.version ? `v${m.version}` : ''} ${m.contactedAt ? formatAgo(m.contactedAt, this.now()) : 'never'}`,
        ),
      ].join('\n\n'),
    );
    item.contextValue = `runner.${runner.paused ? 'paused' : 'active'}${runner.webUrl ? '.web' : ''}`;
    item.accessibilityInformation = { label: `Runner ${runner.id} ${runner.description}, ${status.label}` };
    return item;
  }
}

/** A job row, shared by the runners and pipelines views. */
export function jobItem(job: Job, now: number, id: string, host?: string): vscode.TreeItem {
  const status = jobStatus(job);
  const item = new vscode.TreeItem(`${job.name}`);
  item.id = id;
  item.iconPath = statusIcon(status);
  const when = job.finishedAt
    ? formatAgo(job.finishedAt, now)
    : job.startedAt
      ? `started ${formatAgo(job.startedAt, now)}`
      : undefined;
  item.description = [
    status.label,
    host ? `${status.label === 'Failed' ? 'failed on' : 'on'} ${host}` : undefined,
    job.duration !== undefined ? formatDuration(job.duration) : undefined,
    when,
  ]
    .filter(Boolean)
    .join(' · ');
  item.tooltip = new vscode.MarkdownString(
    [
      `**Job #${job.id}** ${escapeMd(job.name)} (stage ${escapeMd(job.stage)}) — ${status.label}`,
      job.failureReason ? `Failure reason: ${job.failureReason.replace(/_/g, ' ')}` : '',
      host ? `Ran on ${escapeMd(host)}` : job.runner ? `Runner #${job.runner.id}` : 'Not picked by a runner yet',
      job.tags.length ? `Tags: ${job.tags.map((t) => `\`${t}\``).join(' ')}` : '',
    ]
      .filter(Boolean)
      .join('\n\n'),
  );
  item.contextValue = `job.${job.status}`;
  item.command = { title: 'Open job log', command: 'runnerOps.tailJobLog', arguments: [{ job }] };
  return item;
}
