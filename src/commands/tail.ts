// Tail commands: a VM's serial console, the runner container's Cloud Logging entries, a job's
// trace. Each opens a read-only `log` document; closing its last tab stops its polling.
import * as vscode from 'vscode';
import type { Job, WorkerVm } from '../core/model';
import { JobTraceTailer } from '../core/tail/job-trace-tailer';
import { LogEntryTailer } from '../core/tail/log-entry-tailer';
import { SerialTailer } from '../core/tail/serial-tailer';
import { TailSession, type Tailer } from '../core/tail/tail-session';
import { loadGitLabJobs, loadLogging, loadSerial } from '../lazy';
import type { Services } from '../services';
import { LogDocuments, TAIL_SCHEME } from '../views/log-document';
import { TailStatus } from '../views/tail-status';

export const DEFAULT_RUNNER_LOG_FILTER =
  'resource.type="gce_instance" AND resource.labels.instance_id="${instanceId}" AND logName="projects/${project}/logs/gcplogs-docker-driver" AND jsonPayload.container.name="/gitlab-runner"';

type VmArg = { vm: Pick<WorkerVm, 'name' | 'zone'> & Partial<WorkerVm>; port?: number };
type JobArg = { job: Pick<Job, 'id' | 'projectId'> & Partial<Job> };

export function register(context: vscode.ExtensionContext, services: Services): void {
  const documents = new LogDocuments();
  const status = new TailStatus();
  const open = new Map<string, { uri: vscode.Uri; session: TailSession }>();
  let nextId = 1;
  const refreshStatus = () => {
    status.update([...open.values()].map((t) => t.session));
    void updateContext();
  };

  const active = (uri?: vscode.Uri) => {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    return target ? open.get(target.toString())?.session : undefined;
  };
  const updateContext = async () => {
    const session = active();
    await vscode.commands.executeCommand('setContext', 'runnerOps.tailLive', session?.state === 'live');
    await vscode.commands.executeCommand(
      'setContext',
      'runnerOps.tailStopped',
      session?.state === 'stopped' || session?.state === 'failed',
    );
  };

  async function openTail(title: string, tailer: Tailer): Promise<vscode.Uri> {
    const session = new TailSession(title, tailer, { maxLines: services.settings().logs.maxLines });
    const uri = vscode.Uri.from({
      scheme: TAIL_SCHEME,
      path: `/${title.replace(/[\\/]/g, '-')}.log`,
      query: `tail=${nextId++}`,
    });
    open.set(uri.toString(), { uri, session });
    documents.add(uri, session);
    session.onDidChangeState(refreshStatus);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(document, 'log');
    await vscode.window.showTextDocument(document, { preview: false });
    // Polling starts once the editor shows: the first lines then arrive as a change, which loads
    // the workbench's diff worker (over a second the first time in code-server) right away rather
    // than on the first new line the operator is waiting for.
    session.start();
    refreshStatus();
    return uri;
  }

  function close(key: string): void {
    const tail = open.get(key);
    if (!tail) return;
    tail.session.dispose();
    documents.remove(tail.uri);
    open.delete(key);
    refreshStatus();
  }

  /** Tabs, not onDidCloseTextDocument: that fires late (or never) for content-provider documents. */
  function closeTailsWithoutTabs(): void {
    const shown = new Set<string>();
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) if (tab.input instanceof vscode.TabInputText) shown.add(tab.input.uri.toString());
    }
    for (const key of [...open.keys()]) if (!shown.has(key)) close(key);
  }

  function updateVisibility(editors: readonly vscode.TextEditor[]): void {
    const visible = new Set(editors.map((e) => e.document.uri.toString()));
    for (const [key, tail] of open) tail.session.setVisible(visible.has(key));
  }

  async function pickVm(): Promise<VmArg | undefined> {
    const serial = await loadSerial();
    const vms = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Listing runner VMs' },
      () => serial.listVms(services.settings()),
    );
    const picked = await vscode.window.showQuickPick(
      vms.map((vm) => ({ label: vm.name, description: `${vm.zone} · ${vm.status}`, vm })),
      {
        title: 'Tail which runner VM?',
        placeHolder: vms.length ? undefined : 'No VM matches runnerOps.gcp.instanceFilter',
      },
    );
    return picked && { vm: { ...picked.vm } };
  }

  async function tailWorkerLog(arg?: VmArg): Promise<vscode.Uri | undefined> {
    const target = arg?.vm ? arg : await pickVm();
    if (!target) return undefined;
    let port = arg?.port ?? 1;
    if (!arg?.vm) {
      const choice = await vscode.window.showQuickPick(['1', '2', '3', '4'], {
        title: 'Serial port (1 is the console)',
      });
      if (!choice) return undefined;
      port = Number(choice);
    }
    const settings = services.settings();
    const serial = await loadSerial();
    const source = serial.serialSource(settings, {
      project: settings.gcpProject,
      zone: target.vm.zone,
      name: target.vm.name,
    });
    return openTail(`${target.vm.name} serial ${port}`, new SerialTailer(source, port));
  }

  async function tailRunnerLog(arg?: VmArg): Promise<vscode.Uri | undefined> {
    const target = arg?.vm ? arg : await pickVm();
    if (!target) return undefined;
    const settings = services.settings();
    const template = settings.logs.runnerLogFilter || DEFAULT_RUNNER_LOG_FILTER;
    const values: Record<string, string> = {
      instanceId: target.vm.id ?? '',
      instanceName: target.vm.name,
      zone: target.vm.zone,
      project: settings.gcpProject,
    };
    const filter = template.replace(/\$\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
    const logging = await loadLogging();
    return openTail(`${target.vm.name} gitlab-runner`, new LogEntryTailer(logging.logEntrySource(settings), filter));
  }

  async function tailJobLog(arg?: JobArg): Promise<vscode.Uri | undefined> {
    const session = await services.gitlabSession();
    if (!session) {
      void vscode.window
        .showWarningMessage('Sign in to GitLab to follow a job trace.', 'Sign in')
        .then((a) => a && vscode.commands.executeCommand('runnerOps.signIn'));
      return undefined;
    }
    const jobs = await loadGitLabJobs();
    let job = arg?.job;
    if (!job) {
      const project = services.settings().gitlabProjects[0];
      if (project === undefined) return undefined;
      const recent = await jobs.recentJobs(session.url, session.token, project);
      const picked = await vscode.window.showQuickPick(
        recent.map((j) => ({ label: `#${j.id} ${j.name}`, description: j.status, job: j })),
        { title: `Follow which job of ${project}?` },
      );
      job = picked?.job;
    }
    if (!job) return undefined;
    return openTail(
      `job ${job.id}${job.name ? ` ${job.name}` : ''}`,
      new JobTraceTailer(jobs.jobTraceSource(session.url, session.token), job.projectId, job.id),
    );
  }

  const withErrors =
    <A extends unknown[]>(run: (...args: A) => Promise<vscode.Uri | undefined>) =>
    async (...args: A) => {
      try {
        return await run(...args);
      } catch (error) {
        void vscode.window.showErrorMessage(
          `Cannot open the tail: ${error instanceof Error ? error.message : String(error)}`,
        );
        return undefined;
      }
    };

  context.subscriptions.push(
    documents,
    status,
    { dispose: () => [...open.keys()].forEach(close) },
    vscode.commands.registerCommand('runnerOps.tailWorkerLog', withErrors(tailWorkerLog)),
    vscode.commands.registerCommand('runnerOps.tailRunnerLog', withErrors(tailRunnerLog)),
    vscode.commands.registerCommand('runnerOps.tailJobLog', withErrors(tailJobLog)),
    vscode.commands.registerCommand('runnerOps.stopTail', (uri?: vscode.Uri) => (active(uri)?.stop(), updateContext())),
    vscode.commands.registerCommand(
      'runnerOps.resumeTail',
      (uri?: vscode.Uri) => (active(uri)?.start(), updateContext()),
    ),
    vscode.commands.registerCommand('runnerOps.clearTail', (uri?: vscode.Uri) => active(uri)?.clear()),
    vscode.commands.registerCommand('runnerOps.showTails', async () => {
      const picked = await vscode.window.showQuickPick(
        [...open.values()].map((t) => ({ label: t.session.title, description: t.session.state, uri: t.uri })),
      );
      if (picked) await vscode.window.showTextDocument(picked.uri, { preview: false });
    }),
    vscode.window.tabGroups.onDidChangeTabs(closeTailsWithoutTabs),
    vscode.window.onDidChangeVisibleTextEditors(updateVisibility),
    vscode.window.onDidChangeActiveTextEditor(() => void updateContext()),
  );
}
