// Tail commands: a VM's serial console, the runner container's Cloud Logging entries, a job's
// trace. Each opens a read-only `log` document; closing its last tab stops its polling.
import * as vscode from 'vscode';
import type { GitLabSession } from '../config/gitlab-session';
import { configuredParts } from '../config/settings';
import type { Job, WorkerVm } from '../core/model';
import {
  jobChoices,
  noJobsReason,
  noVmReason,
  SERIAL_PORTS,
  serialTitle,
  vmChoices,
  type ProjectJobs,
} from '../core/tail/choices';
import { JobTraceTailer } from '../core/tail/job-trace-tailer';
import { LogEntryTailer } from '../core/tail/log-entry-tailer';
import { SerialTailer } from '../core/tail/serial-tailer';
import { TailSession, type Tailer, type TailState } from '../core/tail/tail-session';
import { loadGitLabJobs, loadLogging, loadSerial } from '../lazy';
import type { Services } from '../services';
import { LogDocuments, TAIL_SCHEME } from '../views/log-document';
import { TailStatus } from '../views/tail-status';

export const DEFAULT_RUNNER_LOG_FILTER =
  'resource.type="gce_instance" AND resource.labels.instance_id="${instanceId}" AND logName="projects/${project}/logs/gcplogs-docker-driver" AND jsonPayload.container.name="/gitlab-runner"';

const STATE_LABELS: Record<TailState, string> = { live: 'Live', stopped: 'Stopped', ended: 'Ended', failed: 'Failed' };

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
    const session = new TailSession(title, tailer, {
      maxLines: services.settings().logs.maxLines,
      onFailure: services.failures.record,
    });
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

  /** The VMs the Runner VMs view lists (loaded once if the view has not yet), in its words. */
  async function pickVm(title: string): Promise<VmArg | undefined> {
    const settings = services.settings();
    if (!configuredParts(settings).gcp) {
      void vscode.window
        .showWarningMessage('Set runnerOps.gcp.project to list the runner VMs.', 'Open Settings')
        .then((a) => a && vscode.commands.executeCommand('workbench.action.openSettings', 'runnerOps.gcp'));
      return undefined;
    }
    const store = services.store();
    if (!store.workers.value)
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Listing runner VMs' }, () =>
        store.refreshWorkers(),
      );
    if (!store.workers.value) throw store.workers.error ?? new Error('the runner VMs could not be listed');
    const choices = vmChoices(store.workers.value);
    // One runner VM: nothing to choose; the tab's title names it.
    if (choices.length === 1) return { vm: choices[0].value };
    const picked = await vscode.window.showQuickPick(choices, {
      title,
      placeHolder: choices.length ? 'Type to filter by name, status or zone' : noVmReason(settings),
      matchOnDescription: true,
    });
    return picked && { vm: picked.value };
  }

  async function openSerial(vm: VmArg['vm'], port: number): Promise<vscode.Uri> {
    const settings = services.settings();
    const serial = await loadSerial();
    const source = serial.serialSource(settings, { project: settings.gcpProject, zone: vm.zone, name: vm.name });
    return openTail(serialTitle(vm.name, port), new SerialTailer(source, port));
  }

  /** Port 1, the console, without asking: Tail Worker Serial Port… is there for the others. */
  async function tailWorkerLog(arg?: VmArg): Promise<vscode.Uri | undefined> {
    const target = arg?.vm ? arg : await pickVm('Tail the console of which runner VM?');
    return target && openSerial(target.vm, arg?.port ?? 1);
  }

  async function tailWorkerSerialPort(arg?: VmArg): Promise<vscode.Uri | undefined> {
    const target = arg?.vm ? arg : await pickVm('Tail a serial port of which runner VM?');
    if (!target) return undefined;
    const port = await vscode.window.showQuickPick(SERIAL_PORTS, {
      title: `Tail which serial port of ${target.vm.name}?`,
      placeHolder: 'Port 1 is the console; the others are empty on most Linux images',
      matchOnDescription: true,
    });
    return port && openSerial(target.vm, port.value);
  }

  async function tailRunnerLog(arg?: VmArg): Promise<vscode.Uri | undefined> {
    const target = arg?.vm ? arg : await pickVm('Tail the runner container logs of which VM?');
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
    return openTail(`${target.vm.name} runner logs`, new LogEntryTailer(logging.logEntrySource(settings), filter));
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
    const job = arg?.job ?? (await pickJob(jobs, session));
    if (!job) return undefined;
    return openTail(
      `job ${job.id}${job.name ? ` ${job.name}` : ''}`,
      new JobTraceTailer(jobs.jobTraceSource(session.url, session.token, session.caFile), job.projectId, job.id),
    );
  }

  /** Recent jobs of every configured project, in one list: one request per project. */
  async function pickJob(
    jobs: Awaited<ReturnType<typeof loadGitLabJobs>>,
    session: GitLabSession,
  ): Promise<Job | undefined> {
    const projects = services.settings().gitlabProjects;
    const listed = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Listing recent jobs' },
      () =>
        Promise.allSettled(
          projects.map((project) => jobs.recentJobs(session.url, session.token, project, session.caFile)),
        ),
    );
    const lists: ProjectJobs[] = [];
    const failures: string[] = [];
    listed.forEach((result, i) => {
      if (result.status === 'fulfilled') lists.push({ project: projects[i], jobs: result.value });
      else failures.push(`${projects[i]}: ${result.reason instanceof Error ? result.reason.message : result.reason}`);
    });
    if (lists.length === 0 && failures.length > 0) throw new Error(`cannot list jobs (${failures.join('; ')})`);
    if (failures.length) void vscode.window.showWarningMessage(`Some jobs are not listed: ${failures.join('; ')}`);
    const choices = jobChoices(lists, Date.now());
    const picked = await vscode.window.showQuickPick(choices, {
      title: 'Follow the trace of which job?',
      placeHolder: choices.length
        ? 'Running and failed jobs first; type to filter by name, status, pipeline, ref or runner'
        : noJobsReason(lists.map((l) => l.project)),
      matchOnDescription: true,
      matchOnDetail: true,
    });
    return picked?.value;
  }

  async function showTails(): Promise<void> {
    const tails = [...open.values()];
    // One tail open (the status bar names it): bring it to the front without asking.
    if (tails.length === 1) {
      await vscode.window.showTextDocument(tails[0].uri, { preview: false });
      return;
    }
    const picked = await vscode.window.showQuickPick(
      tails.map((t) => ({
        label: t.session.title,
        description: [STATE_LABELS[t.session.state], t.session.lastError && `retrying: ${t.session.lastError}`]
          .filter(Boolean)
          .join(' · '),
        uri: t.uri,
      })),
      {
        title: 'Runner Ops tails',
        placeHolder: tails.length
          ? 'Bring a tail to the front'
          : 'No tail is open: start one with Tail Worker Console, Tail Runner Container Logs or Follow Job Trace',
      },
    );
    if (picked) await vscode.window.showTextDocument(picked.uri, { preview: false });
  }

  const withErrors =
    <A extends unknown[]>(run: (...args: A) => Promise<vscode.Uri | undefined>) =>
    async (...args: A) => {
      try {
        return await run(...args);
      } catch (error) {
        services.failures.record(error as Error);
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
    vscode.commands.registerCommand('runnerOps.tailWorkerSerialPort', withErrors(tailWorkerSerialPort)),
    vscode.commands.registerCommand('runnerOps.tailRunnerLog', withErrors(tailRunnerLog)),
    vscode.commands.registerCommand('runnerOps.tailJobLog', withErrors(tailJobLog)),
    vscode.commands.registerCommand('runnerOps.stopTail', (uri?: vscode.Uri) => (active(uri)?.stop(), updateContext())),
    vscode.commands.registerCommand(
      'runnerOps.resumeTail',
      (uri?: vscode.Uri) => (active(uri)?.start(), updateContext()),
    ),
    vscode.commands.registerCommand('runnerOps.clearTail', (uri?: vscode.Uri) => active(uri)?.clear()),
    vscode.commands.registerCommand('runnerOps.showTails', showTails),
    vscode.window.tabGroups.onDidChangeTabs(closeTailsWithoutTabs),
    vscode.window.onDidChangeVisibleTextEditors(updateVisibility),
    vscode.window.onDidChangeActiveTextEditor(() => void updateContext()),
  );
}
