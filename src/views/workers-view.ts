// Runner VMs: the Compute instances matched by the filter, grouped by zone and instance group,
// each with the runner(s) it hosts and whether GitLab sees them.
import * as vscode from 'vscode';
import type { FleetStore } from '../core/fleet-store';
import type { Runner, WorkerVm } from '../core/model';
import { byPriority, GLYPHS, vmStatus } from '../core/status-table';
import { FleetTree } from './fleet-tree';
import { RowCap } from './rows/row-cap';
import { errorRow, lastGoodOf, listRows, messageRow, type ItemNode } from './rows/common';
import { GUEST_WARNING, hostedRunnerRow, instanceGroupRow, vmRow, WARNING_SCHEME, zoneRow } from './rows/vm';

export type WorkerNode =
  | { kind: 'zone'; zone: string; vms: WorkerVm[] }
  | { kind: 'group'; zone: string; group: string; vms: WorkerVm[] }
  | { kind: 'vm'; vm: WorkerVm }
  | { kind: 'hosted'; vm: WorkerVm; runner: Runner }
  | ItemNode;

export class WorkersView extends FleetTree<WorkerNode> implements vscode.FileDecorationProvider {
  readonly cap = new RowCap('runnerOps.workers');
  private readonly decorationsChanged = new vscode.EventEmitter<vscode.Uri[] | undefined>();
  readonly onDidChangeFileDecorations = this.decorationsChanged.event;

  override fire(): void {
    super.fire();
    this.decorationsChanged.fire(undefined);
  }

  getChildren(node?: WorkerNode): WorkerNode[] {
    const store = this.store();
    if (store.computeAvailable === false) return []; // the welcome content explains what is missing
    if (!node) return this.roots(store);
    switch (node.kind) {
      case 'zone':
        return this.groupByInstanceGroup(node.zone, node.vms);
      case 'group':
        return this.cap.apply(
          sortVms(node.vms).map((vm): WorkerNode => ({ kind: 'vm', vm })),
          'VMs',
          `${node.zone}/${node.group}`,
        );
      case 'vm':
        return this.hostedRunners(store, node.vm);
      default:
        return [];
    }
  }

  private roots(store: FleetStore): WorkerNode[] {
    return listRows(store.workers, {
      what: 'runner VMs',
      now: this.now(),
      empty: 'No VM matches runnerOps.gcp.instanceFilter',
      rows: (vms) => {
        const zones = [...new Set(vms.map((vm) => vm.zone))].sort();
        if (zones.length > 1) {
          return zones.map((zone): WorkerNode => ({ kind: 'zone', zone, vms: vms.filter((vm) => vm.zone === zone) }));
        }
        return this.groupByInstanceGroup(zones[0], vms);
      },
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
    return this.cap.apply([...grouped, ...single], 'VMs', zone);
  }

  private hostedRunners(store: FleetStore, vm: WorkerVm): WorkerNode[] {
    if (!store.runners.value) {
      if (store.runners.error)
        return [{ kind: 'item', item: errorRow(store.runners.error, lastGoodOf(store.runners), this.now()) }];
      return [{ kind: 'item', item: messageRow('Sign in to GitLab to see the runner on this VM', GLYPHS.signIn) }];
    }
    const runners = this.links().runnersOfVm(vm.id);
    if (runners.length === 0) {
      return [{ kind: 'item', item: messageRow('No registered runner found on this VM', GLYPHS.unknown) }];
    }
    return runners.map((runner) => ({ kind: 'hosted', vm, runner }));
  }

  getTreeItem(node: WorkerNode): vscode.TreeItem {
    const now = this.now();
    switch (node.kind) {
      case 'item':
        return node.item;
      case 'zone':
        return zoneRow(node.zone, node.vms.length);
      case 'group':
        return instanceGroupRow(node.zone, node.group, node.vms.length);
      case 'vm': {
        // The tooltip is built on hover (resolveTreeItem), with what the VM reports from inside.
        const item = this.vmItem(node.vm);
        item.tooltip = undefined;
        return item;
      }
      case 'hosted':
        return hostedRunnerRow({
          vm: node.vm,
          runner: node.runner,
          how: this.links().how(node.runner.id, node.vm.id),
          now,
        });
    }
  }

  /** A VM row's tooltip includes what the VM reports from inside: read now (or reused if recent). */
  async resolveTreeItem(item: vscode.TreeItem, node: WorkerNode): Promise<vscode.TreeItem> {
    if (node.kind !== 'vm') return item;
    await this.store().loadGuest(node.vm, false);
    item.tooltip = this.vmItem(node.vm).tooltip;
    return item;
  }

  /** The user expanded a row: a VM's guest attributes are read once, and its row shows what they say. */
  expanded(node: WorkerNode): void {
    if (node.kind === 'vm') void this.store().loadGuest(node.vm, true);
  }

  private vmItem(vm: WorkerVm): vscode.TreeItem {
    const now = this.now();
    return vmRow({ vm, warnings: this.links().vmWarnings(vm, now), insights: this.insights().vm(vm), now });
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== WARNING_SCHEME || (uri.query !== 'warn' && uri.query !== GUEST_WARNING)) return undefined;
    return {
      badge: '!',
      color: new vscode.ThemeColor(GLYPHS.warning.color!),
      tooltip: uri.query === 'warn' ? 'Its runner is not online in GitLab' : 'The VM reports a problem from inside',
    };
  }

  override dispose(): void {
    super.dispose();
    this.decorationsChanged.dispose();
  }
}

function sortVms(vms: WorkerVm[]): WorkerVm[] {
  return [...vms].sort((a, b) => byPriority(vmStatus(a.status), vmStatus(b.status)) || a.name.localeCompare(b.name));
}
