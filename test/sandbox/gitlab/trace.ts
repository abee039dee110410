// Job traces shaped like gitlab-runner's output: ANSI colours, `section_start:TS:name\r\e[0K`
// markers. A trace is a pure function of the job and the time, so a running job's trace grows
// as simulated time passes and a finished one never changes.
import type { JobRecord, ManagerRecord, RunnerRecord } from './state';

const ESC = '\u001b';
const CLEAR = `${ESC}[0K`;
const RESET = `${ESC}[0;m`;
const cyan = (s: string) => `${CLEAR}${ESC}[36;1m${s}${RESET}`;
const green = (s: string) => `${ESC}[32;1m${s}${RESET}`;
const red = (s: string) => `${ESC}[31;1m${s}${RESET}`;

interface TimedLine {
  /** Milliseconds after the job started. */
  at: number;
  text: string;
}

export interface TraceContext {
  job: JobRecord;
  runner: RunnerRecord | undefined;
  manager: ManagerRecord | undefined;
  projectPath: string;
  sha: string;
  ref: string;
}

function timedLines(ctx: TraceContext): TimedLine[] {
  const { job, runner, manager } = ctx;
  const started = job.startedAt ?? 0;
  const total = job.definition.durationSec * 1000;
  const ts = (offset: number) => Math.floor((started + offset) / 1000);
  const lines: TimedLine[] = [];
  const section = (name: string, header: string, from: number, to: number, body: string[]) => {
    lines.push({ at: from, text: `section_start:${ts(from)}:${name}\r${CLEAR}${cyan(header)}` });
    body.forEach((text, i) => lines.push({ at: from + ((to - from) * (i + 1)) / (body.length + 1), text }));
    lines.push({ at: to, text: `section_end:${ts(to)}:${name}\r${CLEAR}` });
  };
  const version = manager?.version ?? '17.11.0';
  const executor = manager?.executor ?? 'shell';
  lines.push({
    at: 0,
    text: `${CLEAR}Running with gitlab-runner ${version} (${manager?.revision ?? '0f8a9b1c'})${RESET}`,
  });
  lines.push({
    at: 0,
    text: `${CLEAR}  on ${runner?.description ?? 'runner'} ${runner?.token.slice(5, 13) ?? ''}, system ID: ${manager?.systemId ?? ''}${RESET}`,
  });
  const prepareEnd = Math.min(2000, total * 0.05);
  section('prepare_executor', `Preparing the "${executor}" executor`, 0, prepareEnd / 2, [
    `${CLEAR}Using ${executor === 'shell' ? 'Shell (bash)' : 'Docker'} executor...${RESET}`,
  ]);
  section('prepare_script', 'Preparing environment', prepareEnd / 2, prepareEnd, [
    `Running on ${runner?.description ?? 'runner'}...`,
  ]);
  const sourcesEnd = prepareEnd + Math.min(3000, total * 0.1);
  section('get_sources', 'Getting source from Git repository', prepareEnd, sourcesEnd, [
    green('Fetching changes with git depth set to 20...'),
    `Initialized empty Git repository in /builds/${ctx.projectPath}/.git/`,
    green(`Checking out ${ctx.sha.slice(0, 8)} as detached HEAD (ref is ${ctx.ref})...`),
    '',
    green('Skipping Git submodules setup'),
  ]);
  const scriptEnd = Math.max(sourcesEnd, total - Math.min(1000, total * 0.05));
  const body: string[] = [];
  for (const step of job.definition.script) {
    body.push(green(`$ ${step.command}`));
    body.push(...step.output);
  }
  section('step_script', 'Executing "step_script" stage of the job script', sourcesEnd, scriptEnd, body);
  section('cleanup_file_variables', 'Cleaning up project directory and file based variables', scriptEnd, total, []);
  return lines;
}

/** The trace a client sees at `now`; "" before the job started. */
export function renderTrace(ctx: TraceContext, now: number): string {
  const { job } = ctx;
  if (job.startedAt === null) return '';
  const end = Math.min(job.finishedAt ?? now, job.stalledAt ?? Infinity);
  const elapsed = end - job.startedAt;
  const visible = timedLines(ctx).filter((line) => line.at <= elapsed);
  let text = visible.map((l) => `${l.text}\n`).join('');
  if (job.status === 'success') text += `${green('Job succeeded')}\n`;
  if (job.status === 'failed') {
    text += `${red(job.failureReason === 'script_failure' ? 'ERROR: Job failed: exit status 1' : `ERROR: Job failed: ${job.failureReason ?? 'unknown'}`)}\n`;
  }
  if (job.status === 'canceled') text += `${red('ERROR: Job failed: canceled')}\n`;
  return text;
}
