// Whether the signed-in user's role in each configured project is enough for what Runner Ops
// does there: Maintainer to manage runners and pipeline schedules, Developer to retry and
// cancel pipelines. Pure: GitLab says the role (GET /projects/:id `permissions`), this judges.
import type { Project } from './model';

const ROLE_NAMES: Record<number, string> = {
  0: 'not a member',
  5: 'Minimal Access',
  10: 'Guest',
  15: 'Planner',
  20: 'Reporter',
  30: 'Developer',
  40: 'Maintainer',
  50: 'Owner',
};

/** What each role allows that Runner Ops uses, the strongest need first. */
const ROLE_NEEDS: ReadonlyArray<{ level: number; features: string }> = [
  { level: 40, features: 'managing its runners and pipeline schedules' },
  { level: 30, features: 'retrying and cancelling its pipelines' },
];

export const roleName = (level: number) => (level === 0 ? ROLE_NAMES[0] : `${ROLE_NAMES[level] ?? 'role'} (${level})`);

/**
 * One sentence per project where the role falls short, naming the role and the features it
 * blocks; none for an administrator or where GitLab did not say.
 */
export function roleProblems(projects: Project[], username: string, isAdmin: boolean): string[] {
  if (isAdmin) return [];
  return projects.flatMap((p) => {
    if (p.accessLevel === undefined) return [];
    const blocked = ROLE_NEEDS.filter((n) => p.accessLevel! < n.level);
    if (!blocked.length) return [];
    const needs = blocked.map((n) => `${n.features} needs ${roleName(n.level)}`).join(', ');
    return [`In ${p.path} @${username} is ${roleName(p.accessLevel)}: ${needs}.`];
  });
}

/** What to do about it, to copy. */
export const ROLE_FIX =
  'Ask an Owner of the project to give the user the Maintainer role (Project → Manage → Members), or sign in with a token of a user who has it.';
