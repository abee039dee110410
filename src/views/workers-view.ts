// Runner VMs: the Compute instances matched by the filter, grouped by zone and instance group,
// each with the runner(s) it hosts and whether GitLab sees them.
import * as vscode from 'vscode';
import type { Runner, WorkerVm } from '../core/model';
import { byPriority, runnerStatus, vmStatus } from '../core/status-table';
import { formatAgo, formatUptime } from '../core/time-format';
import type { FleetStore } from '../core/fleet-store';
import { FleetTree } from './fleet-tree';
import { errorItem, escapeMd, messageItem, statusIcon } from './presentation';

export type WorkerNode =
  | { kind: 'zone'; zone: string; vms: WorkerVm[] }
  | { kind: 'group'; zone: string; group: string; vms: WorkerVm[] }
  | { kind: 'vm'; vm: WorkerVm }
  | { kind: 'hosted'; vm: WorkerVm; runner: Runner }
  | { kind: 'item'; item: vscode.TreeItem };

export const WARNING_SCHEME = 'runner-ops-vm';

export class WorkersView extends FleetTree<WorkerNode> implements vscode.FileDecorationProvider {
  private readonly decorationsChanged = new vscode.EventEmitter<vscode.Uri[] | undefined>();
  readonly onDidChangeFileDecorations = this.decorationsChanged.event;

  override fire(): void {
    super.fire();
    this.decorationsChanged.fire(undefined);
  }

  getChildren(node?: WorkerNode): WorkerNode[] {
    const store = this.store();
    if (!store || store.computeAvailable === false) return []; // the welcome content explains what is missing
    if (!node) return this.roots(store);
    switch (node.kind) {
      case 'zone':
        return this.groupByInstanceGroup(node.zone, node.vms);
      case 'group':
        return sortVms(node.vms).map((vm) => ({ kind: 'vm', vm }));
      case 'vm':
        return this.hostedRunners(store, node.vm);
      default:
        return [];
    }
  }

  private roots(store: FleetStore): WorkerNode[] {
    return this.listRows(store.workers, 'runner VMs', 'No VM matches runnerOps.gcp.instanceFilter', (vms) => {
      const zones = [...new Set(vms.map((vm) => vm.zone))].sort();
      if (zones.length > 1)
        return zones.map((zone): WorkerNode => ({ kind: 'zone', zone, vms: vms.filter((vm) => vm.zone === zone) }));
      return this.groupByInstanceGroup(zones[0], vms);
    });
  }

  private groupByInstanceGroup(zone: string, vms: WorkerVm[]): WorkerNode[] {
    const groups = [...new Set(vms.map((vm) => vm.instanceGroup).filter((g): g is string => Boolean(g)))].sort();
    const grouped: WorkerNode[] = groups.map((group) => ({
      kind: 'group',
      zone,
      group,
      vms: vms.filter((vm) => vm.instanceGroup === group),
    }));
    const single: WorkerNode[] = sortVms(vms.filter((vm) => !vm.instanceGroup)).map((vm) => ({ kind: 'vm', vm }));
    return [...grouped, ...single];
  }

  private hostedRunners(store: FleetStore, vm: WorkerVm): WorkerNode[] {
    if (!store.runners.value) {
      if (store.runners.error) return [{ kind: 'item', item: errorItem(store.runners.error, false) }];
      return [{ kind: 'item', item: messageItem('Sign in to GitLab to see the runner on this VM', 'account') }];
    }
    const runners = this.links().runnersOfVm(vm.id);
    if (runners.length === 0)
      return [{ kind: 'item', item: messageItem('No registered runner found on this VM', 'question') }];
    return runners.map((runner) => ({ kind: 'hosted', vm, runner }));
  }

  getTreeItem(node: WorkerNode): vscode.TreeItem {
    switch (node.kind) {
      case 'item':
        return node.item;
      case 'zone': {
        const item = new vscode.TreeItem(node.zone, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `zone:${node.zone}`;
        item.iconPath = new vscode.ThemeIcon('globe');
        item.description = `${node.vms.length} VM${node.vms.length === 1 ? '' : 's'}`;
        item.contextValue = 'zone';
        return item;
      }
      case 'group': {
        const item = new vscode.TreeItem(node.group, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `group:${node.zone}/${node.group}`;
        item.iconPath = new vscode.ThemeIcon('layers');
        item.description = `managed instance group · ${node.vms.length} VM${node.vms.length === 1 ? '' : 's'}`;
        item.contextValue = 'instanceGroup';
        return item;
      }
      case 'vm':
        return this.vmItem(node.vm);
      case 'hosted':
        return this.hostedItem(node.vm, node.runner);
    }
  }

  private vmItem(vm: WorkerVm): vscode.TreeItem {
    const status = vmStatus(vm.status);
    const warnings = this.links().vmWarnings(vm, this.now());
    const item = new vscode.TreeItem(vm.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `vm:${vm.zone}/${vm.name}`;
    item.resourceUri = vscode.Uri.from({
      scheme: WARNING_SCHEME,
      path: `/${vm.zone}/${vm.name}`,
      query: warnings.length ? 'warn' : '',
    });
    item.iconPath = warnings.length
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
      : statusIcon(status);
    const up =
      vm.status === 'RUNNING' && vm.lastStartedAt ? `up ${formatUptime(vm.lastStartedAt, this.now())}` : undefined;
    item.description = [
      warnings.length ? runnerProblem(warnings[0]) : undefined,
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
    item.tooltip = new vscode.MarkdownString(
      [
        `**${escapeMd(vm.name)}** — ${status.label}`,
        ...warnings.map((w) => `$(warning) ${escapeMd(w)}`),
        `Zone: ${vm.zone} · Machine type: ${vm.machineType}`,
        `Internal IP: ${vm.internalIp ?? '—'} · External IP: ${vm.externalIp ?? '—'}`,
        vm.instanceGroup ? `Managed instance group: ${escapeMd(vm.instanceGroup)}` : '',
        up ? `Running since ${new Date(vm.lastStartedAt!).toISOString()} (${up})` : '',
        labels ? `Labels: ${labels}` : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
      true,
    );
    item.contextValue = `vm.${vm.status.toLowerCase()}${warnings.length ? '.warned' : ''}`;
    item.accessibilityInformation = {
      label: `${vm.name}, ${status.label}${warnings.length ? `, warning: ${warnings.join(' ')}` : ''}`,
    };
    return item;
  }

  private hostedItem(vm: WorkerVm, runner: Runner): vscode.TreeItem {
    const status = runnerStatus(runner);
    const item = new vscode.TreeItem(`#${runner.id} ${runner.description || '(no description)'}`);
    item.id = `vm:${vm.zone}/${vm.name}/runner:${runner.id}`;
    item.iconPath = statusIcon(status);
    const contact = runner.contactedAt ? `contacted ${formatAgo(runner.contactedAt, this.now())}` : 'never contacted';
    item.description = `${status.label} · ${contact}`;
    item.tooltip = this.links().how(runner.id, vm.id);
    item.contextValue = runner.paused ? 'runner.paused' : 'runner.active';
    return item;
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== WARNING_SCHEME || uri.query !== 'warn') return undefined;
    return {
      badge: '!',
      color: new vscode.ThemeColor('list.warningForeground'),
      tooltip: 'Its runner is not online in GitLab',
    };
  }
}

function sortVms(vms: WorkerVm[]): WorkerVm[] {
  return [...vms].sort((a, b) => byPriority(vmStatus(a.status), vmStatus(b.status)) || a.name.localeCompare(b.name));
}

/** A short cause for the row's description; the tooltip has the whole sentence. */
function runnerProblem(warning: string): string {
  if (/never/i.test(warning)) return 'runner never contacted';
  if (/no (registered )?runner/i.test(warning)) return 'no runner';
  return 'runner offline';
}
