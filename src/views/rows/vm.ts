// Rows of the Runner VMs view: zones, managed instance groups, VMs and the runners they host.
import * as vscode from 'vscode';
import type { Runner, WorkerVm } from '../../core/model';
import { plural, runnerLabel } from '../../core/names';
import { GLYPHS, runnerStatus, vmStatus } from '../../core/status-table';
import { describeQueue } from '../../core/queue-time';
import { formatAgo, formatUptime, formatWhen } from '../../core/time-format';
import type { VmInsights } from '../insights';
import { escapeMd, tooltip } from './common';
import { iconOf } from './icon';

/** VM rows carry this scheme so the file decoration provider can badge the warned ones. */
export const WARNING_SCHEME = 'runner-ops-vm';
/** The query of a VM row warned only by what it reports from inside (its guest attributes). */
export const GUEST_WARNING = 'guest';

export function zoneRow(zone: string, vmCount: number): vscode.TreeItem {
  const item = new vscode.TreeItem(zone, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `zone:${zone}`;
  item.iconPath = iconOf(GLYPHS.zone);
  item.description = plural(vmCount, 'VM');
  item.contextValue = 'zone';
  return item;
}

export function instanceGroupRow(zone: string, group: string, vmCount: number): vscode.TreeItem {
  const item = new vscode.TreeItem(group, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `group:${zone}/${group}`;
  item.iconPath = iconOf(GLYPHS.instanceGroup);
  item.description = `managed instance group · ${plural(vmCount, 'VM')}`;
  item.contextValue = 'instanceGroup';
  return item;
}

export interface VmRowData {
  vm: WorkerVm;
  /** Sentences saying why its runner is not online (src/core/correlate.ts vmWarnings). */
  warnings: string[];
  /** Queue times of the jobs it ran (src/views/insights.ts). */
  insights?: VmInsights;
  now: number;
}

export function vmRow({ vm, warnings, insights, now }: VmRowData): vscode.TreeItem {
  const status = vmStatus(vm.status);
  const item = new vscode.TreeItem(vm.name, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `vm:${vm.zone}/${vm.name}`;
  const warned = warnings.length > 0;
  const guest = insights?.guest;
  const guestWarned = (guest?.warnings.length ?? 0) > 0;
  item.resourceUri = vscode.Uri.from({
    scheme: WARNING_SCHEME,
    path: `/${vm.zone}/${vm.name}`,
    query: warned ? 'warn' : guestWarned ? GUEST_WARNING : '',
  });
  item.iconPath = iconOf(warned || guestWarned ? GLYPHS.warning : status);
  const running = vm.status === 'RUNNING' && vm.lastStartedAt !== undefined;
  const up = running ? `up ${formatUptime(vm.lastStartedAt!, now)}` : undefined;
  item.description = [
    warned ? runnerProblem(warnings[0]) : undefined,
    ...(guest?.marks ?? []),
    status.label,
    vm.machineType,
    vm.internalIp,
    up,
  ]
    .filter(Boolean)
    .join(' · ');
  const labels = Object.entries(vm.labels)
    .map(([k, v]) => `\`${k}=${v}\``)
    .join(' ');
  item.tooltip = tooltip(
    [
      `**${escapeMd(vm.name)}** — ${status.label}`,
      ...warnings.map((w) => `$(warning) ${escapeMd(w)}`),
      ...(guest?.warnings ?? []).map((w) => `$(warning) ${escapeMd(w)}`),
      insights?.queueWarning && `$(warning) ${escapeMd(insights.queueWarning)}`,
      `Zone: ${vm.zone}`,
      `Machine type: ${vm.machineType}`,
      `Internal IP: ${vm.internalIp ?? 'none'}`,
      `External IP: ${vm.externalIp ?? 'none'}`,
      vm.instanceGroup && `Managed instance group: ${escapeMd(vm.instanceGroup)}`,
      running && `Running since: ${formatWhen(vm.lastStartedAt!, now)}`,
      vm.createdAt !== undefined && `Created: ${formatWhen(vm.createdAt, now)}`,
      labels && `Labels: ${labels}`,
      insights?.queue && `Queue time of its jobs: ${describeQueue(insights.queue)}`,
      guest && `**From inside the VM** (guest attributes)  \n${guest.facts.map(escapeMd).join('  \n')}`,
    ],
    true,
  );
  item.contextValue = `vm.${vm.status.toLowerCase()}${warned ? '.warned' : ''}${vm.externalIp ? '.external' : ''}`;
  item.accessibilityInformation = {
    label: `${vm.name}, ${status.label}${warned || guestWarned ? `, warning: ${[...warnings, ...(guest?.warnings ?? [])].join(' ')}` : ''}`,
  };
  return item;
}

/** A short cause for the row's description; the tooltip has the whole sentence. */
function runnerProblem(warning: string): string {
  if (/never/i.test(warning)) return 'runner never contacted';
  if (/no (registered )?runner/i.test(warning)) return 'no runner';
  return 'runner offline';
}

export interface HostedRunnerRowData {
  vm: WorkerVm;
  runner: Runner;
  /** How the runner was linked to this VM ("matched by manager IP 10.132.0.5"). */
  how?: string;
  now: number;
}

export function hostedRunnerRow({ vm, runner, how, now }: HostedRunnerRowData): vscode.TreeItem {
  const status = runnerStatus(runner);
  const item = new vscode.TreeItem(runnerLabel(runner));
  item.id = `vm:${vm.zone}/${vm.name}/runner:${runner.id}`;
  item.iconPath = iconOf(status);
  const contact = runner.contactedAt ? `contacted ${formatAgo(runner.contactedAt, now)}` : 'never contacted';
  item.description = `${status.label} · ${contact}`;
  item.tooltip = tooltip([
    `**Runner ${escapeMd(runnerLabel(runner))}** — ${status.label}`,
    `Last contact: ${runner.contactedAt ? formatWhen(runner.contactedAt, now) : 'never'}`,
    how && `Linked to ${escapeMd(vm.name)}: ${escapeMd(how)}`,
  ]);
  item.contextValue = runner.paused ? 'runner.paused' : 'runner.active';
  return item;
}
