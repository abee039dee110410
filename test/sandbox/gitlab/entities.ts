// Renders records into the JSON GitLab's API entities expose (lib/api/entities/**), field for
// field, nulls included. Nothing here decides behaviour; it only reads state.
import { detailedStatus, hasWarnings, pipelineStatus, pipelineTimes } from './pipeline-status';
import {
  isManagerBusy,
  isRunnerBusy,
  managerStatus,
  runnerContactedAt,
  runnerOnline,
  runnerStatus,
} from './runner-status';
import type {
  CommitRecord,
  GitLabState,
  GroupRecord,
  JobRecord,
  ManagerRecord,
  PipelineRecord,
  ProjectRecord,
  RunnerRecord,
  ScheduleRecord,
  TokenRecord,
  UserRecord,
} from './state';

export interface EntityContext {
  state: GitLabState;
  baseUrl: string;
  now: number;
}

export const iso = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();
const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const seconds = (from: number | null, to: number | null): number | null =>
  from === null || to === null ? null : (to - from) / 1000;

export function userBasic(ctx: EntityContext, user: UserRecord): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    public_email: null,
    name: user.name,
    state: 'active',
    locked: false,
    avatar_url: `https://secure.gravatar.com/avatar/${user.id.toString(16).padStart(32, '0')}?s=80&d=identicon`,
    web_url: `${ctx.baseUrl}/${user.username}`,
  };
}

/** GET /user: UserPublic, plus the admin-only fields GitLab adds for administrators. */
export function currentUser(ctx: EntityContext, user: UserRecord): Record<string, unknown> {
  const body: Record<string, unknown> = {
    ...userBasic(ctx, user),
    created_at: iso(user.createdAt),
    bio: '',
    location: '',
    linkedin: '',
    twitter: '',
    discord: '',
    website_url: '',
    github: '',
    job_title: '',
    pronouns: null,
    organization: '',
    bot: false,
    work_information: null,
    followers: 0,
    following: 0,
    local_time: null,
    last_sign_in_at: iso(user.lastSignInAt),
    confirmed_at: iso(user.createdAt),
    last_activity_on: isoDate(ctx.now),
    email: user.email,
    theme_id: 1,
    color_scheme_id: 1,
    projects_limit: 100000,
    current_sign_in_at: iso(user.lastSignInAt),
    identities: [],
    can_create_group: true,
    can_create_project: true,
    two_factor_enabled: false,
    external: false,
    private_profile: false,
    commit_email: user.email,
    preferred_language: 'en',
    shared_runners_minutes_limit: null,
    extra_shared_runners_minutes_limit: null,
    scim_identities: [],
  };
  if (user.isAdmin) {
    Object.assign(body, {
      is_admin: true,
      note: null,
      namespace_id: user.id,
      created_by: null,
      email_reset_offered_at: null,
      using_license_seat: false,
    });
  }
  return body;
}

export function personalAccessToken(token: TokenRecord, now: number): Record<string, unknown> {
  return {
    id: token.id,
    name: token.name,
    revoked: token.revoked,
    created_at: iso(token.createdAt),
    description: token.description,
    scopes: token.scopes,
    user_id: token.userId,
    last_used_at: iso(token.lastUsedAt),
    active: !token.revoked && !tokenExpired(token, now),
    expires_at: token.expiresAt,
    last_used_ips: [],
    granular: false,
    granular_scopes: [],
  };
}

export function tokenExpired(token: TokenRecord, now: number): boolean {
  return token.expiresAt !== null && isoDate(now) >= token.expiresAt;
}

function namespace(ctx: EntityContext, group: GroupRecord): Record<string, unknown> {
  return {
    id: group.id,
    name: group.name,
    path: group.path,
    kind: 'group',
    full_path: group.fullPath,
    parent_id: group.parentId,
    avatar_url: null,
    web_url: `${ctx.baseUrl}/groups/${group.fullPath}`,
  };
}

/** ProjectIdentity: what jobs of a runner carry. */
export function projectIdentity(ctx: EntityContext, project: ProjectRecord): Record<string, unknown> {
  const group = ctx.state.groups.get(project.groupId);
  return {
    id: project.id,
    description: project.description,
    name: project.name,
    name_with_namespace: `${group?.name ?? ''} / ${project.name}`,
    path: project.path,
    path_with_namespace: ctx.state.projectFullPath(project),
    created_at: iso(project.createdAt),
  };
}

/** BasicProjectDetails: runner details' `projects`. */
export function projectBasicDetails(ctx: EntityContext, project: ProjectRecord): Record<string, unknown> {
  const fullPath = ctx.state.projectFullPath(project);
  const group = ctx.state.groups.get(project.groupId);
  const host = new URL(ctx.baseUrl).host;
  return {
    ...projectIdentity(ctx, project),
    default_branch: project.defaultBranch,
    tag_list: [],
    topics: [],
    ssh_url_to_repo: `git@${host.split(':')[0]}:${fullPath}.git`,
    http_url_to_repo: `${ctx.baseUrl}/${fullPath}.git`,
    web_url: `${ctx.baseUrl}/${fullPath}`,
    readme_url: `${ctx.baseUrl}/${fullPath}/-/blob/${project.defaultBranch}/README.md`,
    forks_count: 0,
    avatar_url: null,
    star_count: 0,
    last_activity_at: iso(project.lastActivityAt),
    visibility: 'private',
    namespace: group ? namespace(ctx, group) : null,
    repository_storage: 'default',
  };
}

/** GET /projects/:id as a maintainer sees it (ProjectWithAccess). */
export function projectDetails(ctx: EntityContext, project: ProjectRecord, userId: number): Record<string, unknown> {
  const fullPath = ctx.state.projectFullPath(project);
  const api = `${ctx.baseUrl}/api/v4/projects/${project.id}`;
  const group = ctx.state.groups.get(project.groupId);
  const accessLevel = project.members.get(userId) ?? null;
  // GitLab's highest_group_member: the user's highest membership in the group or its ancestors.
  const inherited = Math.max(0, ...ctx.state.groupChain(project.groupId).map((g) => g.members.get(userId) ?? 0));
  const groupAccess = group && inherited > 0 ? inherited : null;
  const enabled = 'enabled';
  return {
    ...projectBasicDetails(ctx, project),
    container_registry_image_prefix: `registry.${new URL(ctx.baseUrl).hostname}/${fullPath}`,
    _links: {
      self: api,
      issues: `${api}/issues`,
      merge_requests: `${api}/merge_requests`,
      repo_branches: `${api}/repository/branches`,
      labels: `${api}/labels`,
      events: `${api}/events`,
      members: `${api}/members`,
      cluster_agents: `${api}/cluster_agents`,
    },
    packages_enabled: true,
    empty_repo: false,
    archived: false,
    resolve_outdated_diff_discussions: false,
    container_expiration_policy: {
      cadence: '1d',
      enabled: false,
      keep_n: 10,
      older_than: '90d',
      name_regex: '.*',
      name_regex_keep: null,
      next_run_at: iso(ctx.now + 86_400_000),
    },
    repository_object_format: 'sha1',
    issues_enabled: true,
    merge_requests_enabled: true,
    wiki_enabled: true,
    jobs_enabled: true,
    snippets_enabled: true,
    container_registry_enabled: true,
    service_desk_enabled: false,
    service_desk_address: null,
    can_create_merge_request_in: true,
    issues_access_level: enabled,
    repository_access_level: enabled,
    merge_requests_access_level: enabled,
    forking_access_level: enabled,
    wiki_access_level: enabled,
    builds_access_level: enabled,
    snippets_access_level: enabled,
    pages_access_level: 'private',
    analytics_access_level: enabled,
    container_registry_access_level: enabled,
    security_and_compliance_access_level: 'private',
    releases_access_level: enabled,
    environments_access_level: enabled,
    feature_flags_access_level: enabled,
    infrastructure_access_level: enabled,
    monitor_access_level: enabled,
    model_experiments_access_level: enabled,
    model_registry_access_level: enabled,
    package_registry_access_level: enabled,
    emails_disabled: false,
    emails_enabled: true,
    show_diff_preview_in_email: true,
    shared_runners_enabled: project.sharedRunnersEnabled,
    lfs_enabled: true,
    creator_id: project.creatorId,
    import_url: null,
    import_type: null,
    import_status: 'none',
    import_error: null,
    open_issues_count: 0,
    description_html: project.description
      ? `<p data-sourcepos="1:1-1:${project.description.length}" dir="auto">${project.description}</p>`
      : '',
    updated_at: iso(project.lastActivityAt),
    ci_default_git_depth: 20,
    ci_delete_pipelines_in_seconds: null,
    ci_forward_deployment_enabled: true,
    ci_forward_deployment_rollback_allowed: true,
    ci_job_token_scope_enabled: false,
    ci_separated_caches: true,
    ci_allow_fork_pipelines_to_run_in_parent_project: true,
    ci_id_token_sub_claim_components: ['project_path', 'ref_type', 'ref'],
    build_git_strategy: 'fetch',
    keep_latest_artifact: true,
    restrict_user_defined_variables: true,
    ci_pipeline_variables_minimum_override_role: 'developer',
    runner_token_expiration_interval: null,
    group_runners_enabled: project.groupRunnersEnabled,
    resource_group_default_process_mode: 'unordered',
    auto_cancel_pending_pipelines: enabled,
    build_timeout: 3600,
    auto_devops_enabled: false,
    auto_devops_deploy_strategy: 'continuous',
    ci_push_repository_for_job_token_allowed: false,
    protect_merge_request_pipelines: false,
    ci_display_pipeline_variables: false,
    ci_config_path: '',
    public_jobs: true,
    shared_with_groups: [],
    only_allow_merge_if_pipeline_succeeds: false,
    allow_merge_on_skipped_pipeline: null,
    request_access_enabled: true,
    only_allow_merge_if_all_discussions_are_resolved: false,
    remove_source_branch_after_merge: true,
    printing_merge_request_link_enabled: true,
    merge_method: 'merge',
    squash_option: 'default_off',
    enforce_auth_checks_on_uploads: true,
    suggestion_commit_message: null,
    merge_commit_template: null,
    squash_commit_template: null,
    issue_branch_template: null,
    warn_about_potentially_unwanted_characters: true,
    autoclose_referenced_issues: true,
    max_artifacts_size: null,
    permissions: {
      project_access: accessLevel === null ? null : { access_level: accessLevel, notification_level: 3 },
      group_access: groupAccess === null ? null : { access_level: groupAccess, notification_level: 3 },
    },
  };
}

export function runner(ctx: EntityContext, r: RunnerRecord): Record<string, unknown> {
  const creator = r.createdById === null ? undefined : ctx.state.users.get(r.createdById);
  return {
    id: r.id,
    description: r.description,
    ip_address: '',
    active: !r.paused,
    paused: r.paused,
    is_shared: r.runnerType === 'instance_type',
    runner_type: r.runnerType,
    name: r.name,
    online: runnerOnline(ctx.state, r, ctx.now),
    created_by: creator ? userBasic(ctx, creator) : null,
    created_at: iso(r.createdAt),
    status: runnerStatus(ctx.state, r, ctx.now),
    job_execution_status: isRunnerBusy(ctx.state, r.id) ? 'active' : 'idle',
  };
}

export function runnerDetails(ctx: EntityContext, r: RunnerRecord): Record<string, unknown> {
  const projects = r.projectIds
    .map((id) => ctx.state.projects.get(id))
    .filter((p): p is ProjectRecord => p !== undefined);
  const group = r.groupId === null ? undefined : ctx.state.groups.get(r.groupId);
  return {
    ...runner(ctx, r),
    tag_list: r.tagList,
    run_untagged: r.runUntagged,
    locked: r.locked,
    maximum_timeout: r.maximumTimeout,
    access_level: r.accessLevel,
    // Deprecated on the runner since 17.0 and empty since 18.0: the values live on managers.
    version: '',
    revision: '',
    platform: '',
    architecture: '',
    contacted_at: iso(runnerContactedAt(ctx.state, r)),
    maintenance_note: r.maintenanceNote,
    projects: projects.map((p) => projectBasicDetails(ctx, p)),
    groups: group ? [{ id: group.id, web_url: `${ctx.baseUrl}/groups/${group.fullPath}`, name: group.name }] : [],
  };
}

export function runnerManager(ctx: EntityContext, m: ManagerRecord): Record<string, unknown> {
  return {
    id: m.id,
    system_id: m.systemId,
    version: m.version,
    revision: m.revision,
    platform: m.platform,
    architecture: m.architecture,
    created_at: iso(m.createdAt),
    contacted_at: iso(m.contactedAt),
    ip_address: m.ipAddress,
    status: managerStatus(m, ctx.now),
    job_execution_status: isManagerBusy(ctx.state, m) ? 'active' : 'idle',
  };
}

export function commit(ctx: EntityContext, project: ProjectRecord, c: CommitRecord): Record<string, unknown> {
  const created = iso(c.createdAt);
  return {
    id: c.sha,
    short_id: c.sha.slice(0, 8),
    created_at: created,
    parent_ids: [c.parentSha],
    title: c.title,
    message: `${c.title}\n`,
    author_name: c.authorName,
    author_email: c.authorEmail,
    authored_date: created,
    committer_name: c.authorName,
    committer_email: c.authorEmail,
    committed_date: created,
    trailers: {},
    extended_trailers: {},
    web_url: `${ctx.baseUrl}/${ctx.state.projectFullPath(project)}/-/commit/${c.sha}`,
  };
}

function pipelineWebUrl(ctx: EntityContext, p: PipelineRecord): string {
  const project = ctx.state.projects.get(p.projectId);
  return `${ctx.baseUrl}/${project ? ctx.state.projectFullPath(project) : ''}/-/pipelines/${p.id}`;
}

export function pipelineBasic(ctx: EntityContext, p: PipelineRecord): Record<string, unknown> {
  return {
    id: p.id,
    iid: p.iid,
    project_id: p.projectId,
    sha: p.sha,
    ref: p.ref,
    status: pipelineStatus(ctx.state, p),
    source: p.source,
    created_at: iso(p.createdAt),
    updated_at: iso(p.updatedAt),
    web_url: pipelineWebUrl(ctx, p),
  };
}

export function pipeline(ctx: EntityContext, p: PipelineRecord): Record<string, unknown> {
  const user = ctx.state.users.get(p.userId);
  const times = pipelineTimes(ctx.state, p, ctx.now);
  const status = pipelineStatus(ctx.state, p);
  const web = pipelineWebUrl(ctx, p);
  return {
    ...pipelineBasic(ctx, p),
    before_sha: p.beforeSha,
    tag: p.tag,
    yaml_errors: null,
    user: user ? userBasic(ctx, user) : null,
    started_at: iso(times.startedAt),
    finished_at: iso(times.finishedAt),
    committed_at: iso(p.committedAt),
    duration: times.duration,
    queued_duration: times.queuedDuration,
    coverage: null,
    detailed_status: detailedStatus(status, hasWarnings(ctx.state, p), new URL(web).pathname),
    archived: false,
  };
}

export function pipelineWithMetadata(ctx: EntityContext, p: PipelineRecord): Record<string, unknown> {
  return { ...pipeline(ctx, p), name: p.name };
}

function jobCore(ctx: EntityContext, j: JobRecord): Record<string, unknown> {
  const p = ctx.state.pipelines.get(j.pipelineId) as PipelineRecord;
  const project = ctx.state.projects.get(j.projectId) as ProjectRecord;
  const user = ctx.state.users.get(j.userId);
  const head = [...project.branches.values()].find((c) => c.sha === p.sha);
  const c: CommitRecord = head ?? {
    sha: p.sha,
    parentSha: p.beforeSha,
    title: 'Update',
    authorName: user?.name ?? '',
    authorEmail: user?.email ?? '',
    createdAt: p.committedAt,
  };
  return {
    id: j.id,
    status: j.status,
    stage: j.stage,
    name: j.name,
    ref: p.ref,
    tag: p.tag,
    coverage: null,
    allow_failure: j.definition.allowFailure,
    created_at: iso(j.createdAt),
    started_at: iso(j.startedAt),
    finished_at: iso(j.finishedAt),
    erased_at: null,
    duration: j.startedAt === null ? null : seconds(j.startedAt, j.finishedAt ?? ctx.now),
    queued_duration: j.queuedAt === null ? null : seconds(j.queuedAt, j.startedAt ?? ctx.now),
    user: user
      ? {
          ...userBasic(ctx, user),
          created_at: iso(user.createdAt),
          bio: '',
          location: '',
          linkedin: '',
          twitter: '',
          discord: '',
          website_url: '',
          organization: '',
          job_title: '',
          pronouns: null,
          bot: false,
          work_information: null,
          followers: 0,
          following: 0,
          local_time: null,
        }
      : null,
    commit: commit(ctx, project, c),
    pipeline: pipelineBasic(ctx, p),
    failure_reason: j.failureReason ?? undefined,
    web_url: `${ctx.baseUrl}/${ctx.state.projectFullPath(project)}/-/jobs/${j.id}`,
  };
}

/** Ci::Job: GET jobs, pipeline jobs, retry/cancel answers. */
export function job(ctx: EntityContext, j: JobRecord): Record<string, unknown> {
  const r = j.runnerId === null ? undefined : ctx.state.runners.get(j.runnerId);
  const m = j.managerId === null ? undefined : ctx.state.managers.get(j.managerId);
  const body = jobCore(ctx, j);
  return {
    ...body,
    project: { ci_job_token_scope_enabled: false },
    artifacts_file: undefined,
    artifacts: [], // a live trace is not an artifact until GitLab archives it
    runner: r ? runner(ctx, r) : null,
    runner_manager: m ? runnerManager(ctx, m) : null,
    artifacts_expire_at: null,
    archived: false,
    tag_list: j.definition.tags,
  };
}

/** JobBasicWithProject: GET /runners/:id/jobs. */
export function jobWithProject(ctx: EntityContext, j: JobRecord): Record<string, unknown> {
  const project = ctx.state.projects.get(j.projectId) as ProjectRecord;
  return { ...jobCore(ctx, j), project: projectIdentity(ctx, project) };
}

export function schedule(ctx: EntityContext, s: ScheduleRecord): Record<string, unknown> {
  const owner = ctx.state.users.get(s.ownerId);
  return {
    id: s.id,
    description: s.description,
    ref: s.ref,
    cron: s.cron,
    cron_timezone: s.cronTimezone,
    next_run_at: iso(s.nextRunAt),
    active: s.active,
    created_at: iso(s.createdAt),
    updated_at: iso(s.updatedAt),
    owner: owner ? userBasic(ctx, owner) : null,
    inputs: [],
  };
}

/** GET .../pipeline_schedules/:id adds the last pipeline and variables. */
export function scheduleDetails(ctx: EntityContext, s: ScheduleRecord): Record<string, unknown> {
  const last = s.lastPipelineId === null ? undefined : ctx.state.pipelines.get(s.lastPipelineId);
  return {
    ...schedule(ctx, s),
    last_pipeline: last ? { id: last.id, sha: last.sha, ref: last.ref, status: pipelineStatus(ctx.state, last) } : null,
    variables: [],
  };
}
