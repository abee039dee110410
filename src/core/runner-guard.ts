// Pausing a runner must not silently take the last online runner away from a tag.
import type { Runner } from './model';

/** Tags (and "untagged jobs") that no other online, unpaused runner would serve once `runner` is paused. */
export function tagsLeftWithoutRunner(runner: Runner, all: readonly Runner[]): string[] {
  const others = all.filter((r) => r.id !== runner.id && r.status === 'online' && !r.paused);
  const orphaned = runner.tags.filter((tag) => !others.some((r) => r.tags.includes(tag)));
  if (runner.runUntagged && !others.some((r) => r.runUntagged)) orphaned.push('untagged jobs');
  return orphaned;
}

/** Tags some runner carries that no online, unpaused runner serves: jobs with them wait. */
export function tagsWithoutOnlineRunner(all: readonly Runner[]): string[] {
  const serving = all.filter((r) => r.status === 'online' && !r.paused);
  const tags = new Set(all.flatMap((r) => r.tags));
  return [...tags].filter((tag) => !serving.some((r) => r.tags.includes(tag))).sort();
}
