// Who may see or change what, following GitLab's permission model closely enough for the
// routes Runner Ops uses: admins see everything; members see their projects and groups;
// maintainers (project) and owners (group) manage runners.
import { forbidden, notFound } from './errors';
import {
  MAINTAINER,
  type AccessLevel,
  type GitLabState,
  type GroupRecord,
  type ProjectRecord,
  type RunnerRecord,
  type UserRecord,
} from './state';

const OWNER: AccessLevel = 50;

export function projectAccess(state: GitLabState, project: ProjectRecord, user: UserRecord): number {
  const direct = project.members.get(user.id) ?? 0;
  const inherited = Math.max(0, ...state.groupChain(project.groupId).map((g) => g.members.get(user.id) ?? 0));
  return Math.max(direct, inherited);
}

export function groupAccess(state: GitLabState, group: GroupRecord, user: UserRecord): number {
  return Math.max(0, ...state.groupChain(group.id).map((g) => g.members.get(user.id) ?? 0));
}

/** `:id` is a numeric id or a URL-encoded full path; invisible projects are "not found". */
export function findProject(state: GitLabState, idOrPath: string, user: UserRecord): ProjectRecord {
  const project = /^\d+$/.test(idOrPath) ? state.projects.get(Number(idOrPath)) : state.projectByPath(idOrPath);
  if (!project || (!user.isAdmin && projectAccess(state, project, user) === 0)) throw notFound('Project');
  return project;
}

export function findGroup(state: GitLabState, idOrPath: string, user: UserRecord): GroupRecord {
  const group = /^\d+$/.test(idOrPath) ? state.groups.get(Number(idOrPath)) : state.groupByPath(idOrPath);
  if (!group || (!user.isAdmin && groupAccess(state, group, user) === 0)) throw notFound('Group');
  return group;
}

export function requireProjectMaintainer(state: GitLabState, project: ProjectRecord, user: UserRecord): void {
  if (!user.isAdmin && projectAccess(state, project, user) < MAINTAINER) throw forbidden();
}

export function requireGroupOwner(state: GitLabState, group: GroupRecord, user: UserRecord): void {
  if (!user.isAdmin && groupAccess(state, group, user) < OWNER) throw forbidden();
}

/** Ci::Runner owned by the user: project runners of projects they maintain, group runners of groups they own. */
export function ownsRunner(state: GitLabState, runner: RunnerRecord, user: UserRecord): boolean {
  if (runner.runnerType === 'group_type') {
    const group = runner.groupId === null ? undefined : state.groups.get(runner.groupId);
    return group !== undefined && groupAccess(state, group, user) >= OWNER;
  }
  if (runner.runnerType === 'project_type') {
    return runner.projectIds.some((id) => {
      const project = state.projects.get(id);
      return project !== undefined && projectAccess(state, project, user) >= MAINTAINER;
    });
  }
  return false;
}

export function findRunner(state: GitLabState, id: string): RunnerRecord {
  const runner = /^\d+$/.test(id) ? state.runners.get(Number(id)) : undefined;
  if (!runner) throw notFound('Runner');
  return runner;
}

/** GET /runners/:id: instance runners are readable by anyone; others need ownership or admin. */
export function requireRunnerRead(state: GitLabState, runner: RunnerRecord, user: UserRecord): void {
  if (user.isAdmin || runner.runnerType === 'instance_type' || ownsRunner(state, runner, user)) return;
  throw forbidden();
}

export function requireRunnerAdmin(state: GitLabState, runner: RunnerRecord, user: UserRecord): void {
  if (user.isAdmin || (runner.runnerType !== 'instance_type' && ownsRunner(state, runner, user))) return;
  throw forbidden();
}
