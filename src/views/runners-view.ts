// Registered Runners: what GitLab knows about each runner, the VM that hosts it, and its recent
// jobs (fetched when the row is expanded), newest first.
import type * as vscode from 'vscode';
import { jobHost } from '../core/correlate';
import type { Job, Runner } from '../core/model';
import { runnersByStatus as byStatus } from '../core/status-table';
import { FleetTree } from './fleet-tree';
import { listRows, type ItemNode } from './rows/common';
import { jobRow } from './rows/job';
import { runnerRow } from './rows/runner';
import { RowCap } from './rows/row-cap';

export type RunnerNode = { kind: 'runner'; runner: Runner } | { kind: 'job'; job: Job; runner: Runner } | ItemNode;

export class RunnersView extends FleetTree<RunnerNode> {
  readonly cap = new RowCap('runnerOps.runners');
  /** What the last Verify of the secrets found wrong with a runner's stored token (set by registerViews). */
  tokenProblems: (runnerId: number) => string[] = () => [];
  /** The last list sorted (VS Code asks for the rows on every change of any area the view shows). */
  private sorted?: { from: Runner[]; rows: Runner[] };

  getChildren(node?: RunnerNode): RunnerNode[] {
    const store = this.store();
    if (store.gitlabAvailable === false) return []; // the welcome content explains what is missing
    if (!node) {
      return listRows(store.runners, {
        what: 'runners',
        now: this.now(),
        empty: 'No runners are available to the configured projects',
        rows: (runners) =>
          this.cap.apply(
            this.byStatus(runners).map((runner): RunnerNode => ({ kind: 'runner', runner })),
            'runners',
            'runners',
          ),
      });
    }
    if (node.kind !== 'runner') return [];
    const runner = node.runner;
    return listRows(store.runnerJobs.get(runner.id), {
      what: 'recent jobs',
      now: this.now(),
      empty: 'No jobs yet',
      load: () => void store.loadRunnerJobs(runner.id),
      rows: (jobs) => newestFirst(jobs).map((job): RunnerNode => ({ kind: 'job', job, runner })),
    });
  }

  private byStatus(runners: Runner[]): Runner[] {
    if (this.sorted?.from !== runners) this.sorted = { from: runners, rows: byStatus(runners) };
    return this.sorted.rows;
  }

  getTreeItem(node: RunnerNode): vscode.TreeItem {
    const now = this.now();
    const links = this.links();
    switch (node.kind) {
      case 'item':
        return node.item;
      case 'job': {
        // GitLab's runner job list does not repeat the runner: the row knows it from its parent.
        const job = {
          ...node.job,
          runner: node.job.runner ?? { id: node.runner.id, description: node.runner.description },
        };
        return jobRow({ job, host: jobHost(job, links), now, id: `runner-job:${job.id}`, showPipeline: true });
      }
      case 'runner': {
        const vms = links.vmsOfRunner(node.runner.id);
        // Managers on two VMs share the runner's one token: a rotation by either disconnects the other.
        const shared = vms.length > 1 ? [`token shared by ${vms.length} VMs`] : [];
        return runnerRow({
          runner: node.runner,
          hosts: vms.map((vm) => ({ vm, how: links.how(node.runner.id, vm.id) })),
          ambiguity: links.ambiguity(node.runner.id),
          busy: this.store().busy.get(`runner:${node.runner.id}`),
          insights: this.insights().runner(node.runner),
          tokenProblems: [...shared, ...this.tokenProblems(node.runner.id)],
          now,
        });
      }
    }
  }
}

/** Most recent activity first: finished, else started, else queued; the id breaks ties. */
function newestFirst(jobs: Job[]): Job[] {
  const when = (j: Job) => j.finishedAt ?? j.startedAt ?? j.createdAt ?? 0;
  return [...jobs].sort((a, b) => when(b) - when(a) || b.id - a.id);
}
