// A runner VM's handles outside VS Code: its IP address, the gcloud command that opens a shell
// on it, its page in the Cloud Console. From a row they act on it; from the palette they ask.
import * as vscode from 'vscode';
import type { WorkerVm } from '../core/model';
import { PACE } from '../core/pace';
import { byPriority, vmStatus } from '../core/status-table';
import type { Services } from '../services';
import { external } from './external';
import { ensureLoaded, pick } from './pick';

type VmArg = { vm: WorkerVm } | undefined;

export function register(context: vscode.ExtensionContext, services: Services): void {
  const withVm =
    (title: string, action: (vm: WorkerVm, project: string) => Promise<unknown>) => async (node: VmArg) => {
      const vm = node?.vm ?? (await pickVm(services, title));
      if (vm) await action(vm, services.settings().gcpProject);
    };
  context.subscriptions.push(
    vscode.commands.registerCommand('runnerOps.copyVmIp', withVm('Copy the IP address of which runner VM?', copyIp)),
    vscode.commands.registerCommand(
      'runnerOps.copyVmSshCommand',
      withVm('Copy the gcloud SSH command for which runner VM?', (vm, project) =>
        copy(sshCommand(vm, project), 'the SSH command'),
      ),
    ),
    vscode.commands.registerCommand(
      'runnerOps.openVmInCloudConsole',
      withVm('Open which runner VM in the Cloud Console?', (vm, project) =>
        external.open(vscode.Uri.parse(consoleUrl(vm, project))),
      ),
    ),
  );
}

export function sshCommand(vm: Pick<WorkerVm, 'name' | 'zone'>, project: string): string {
  return `gcloud compute ssh ${vm.name} --zone ${vm.zone} --project ${project}`;
}

export function consoleUrl(vm: Pick<WorkerVm, 'name' | 'zone'>, project: string): string {
  const at = (s: string) => encodeURIComponent(s);
  return `https://console.cloud.google.com/compute/instancesDetail/zones/${at(vm.zone)}/instances/${at(vm.name)}?project=${at(project)}`;
}

async function copy(text: string, what: string): Promise<void> {
  await vscode.env.clipboard.writeText(text);
  void vscode.window.setStatusBarMessage(`Copied ${what}: ${text}`, PACE.statusMessageMs);
}

/** The internal IP, or the one the user picks when the VM has an external IP too. */
async function copyIp(vm: WorkerVm): Promise<void> {
  const ips = [
    { label: vm.internalIp, description: 'internal', value: vm.internalIp },
    { label: vm.externalIp, description: 'external', value: vm.externalIp },
  ].filter((ip): ip is { label: string; description: string; value: string } => Boolean(ip.value));
  const ip =
    ips.length > 1
      ? await pick({
          title: `Copy which IP address of ${vm.name}?`,
          placeHolder: 'The internal address is reachable from the VPC, the external one from anywhere allowed',
          items: ips,
          empty: '',
        })
      : ips[0]?.value;
  if (ips.length === 0) {
    void vscode.window.showInformationMessage(`${vm.name} has no IP address: it is ${vmStatus(vm.status).label}.`);
    return;
  }
  if (ip) await copy(ip, `the IP address of ${vm.name}`);
}

export async function pickVm(services: Services, title: string): Promise<WorkerVm | undefined> {
  const store = services.store();
  if (!(await ensureLoaded(store, 'workers', () => store.workers.value !== undefined))) return undefined;
  const items = [...(store.workers.value ?? [])]
    .sort((a, b) => byPriority(vmStatus(a.status), vmStatus(b.status)) || a.name.localeCompare(b.name))
    .map((vm) => ({
      label: vm.name,
      description: [vmStatus(vm.status).label, vm.zone, vm.internalIp].filter(Boolean).join(' · '),
      value: vm,
    }));
  const { gcpProject } = services.settings();
  return pick({
    title,
    placeHolder: `Runner VMs in ${gcpProject}`,
    items,
    empty: `No VM in ${gcpProject} matches runnerOps.gcp.instanceFilter.`,
  });
}
