// How a runner is named everywhere: one label for rows and pickers, one phrase for sentences.
import type { Runner } from './model';

type Named = Pick<Runner, 'id' | 'description'>;

/** Row and picker label: "#1 gitlab-runner-a", or "#1 (no description)". */
export function runnerLabel(runner: Named): string {
  return `#${runner.id} ${runner.description || '(no description)'}`;
}

/** Inside a sentence: "runner #1 'gitlab-runner-a'", or "runner #1". */
export function runnerRef(runner: Named): string {
  return runner.description ? `runner #${runner.id} '${runner.description}'` : `runner #${runner.id}`;
}

/** "2 VMs", "1 job": a count with its noun, singular when one. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
