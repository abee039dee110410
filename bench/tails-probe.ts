// Runs in a fresh child (node --expose-gc --import tsx bench/tails-probe.ts <mode>): a tail from its
// source to the extension host's side of the document (src/core/tail + src/views/log-document.ts,
// with bench/tails-host.ts standing in for VS Code's extension host). Prints JSON.
//   cpu      a job trace at 10,000 lines in the document, then updates of a few lines each: the
//            extension host's CPU per update (poll result → buffer → document → decorations)
//   hour     a simulated hour of 1,000,000 Cloud Logging entries through the log entry tail:
//            heap (after GC) every simulated 5 minutes
//   latency  the sandbox's Cloud Logging through the real client (the production gcp-logging.js
//            given), real time: from an entry written to the sandbox to its line in the document
import './tails-host';
import { performance } from 'node:perf_hooks';
import { FakeClock } from '../test/unit/core/fake-clock';
import { TAIL_MAX_LINES } from '../src/core/pace';
import { JobTraceTailer } from '../src/core/tail/job-trace-tailer';
import { LogEntryTailer } from '../src/core/tail/log-entry-tailer';
import type { JobTraceSource, LogEntry, LogEntrySource } from '../src/core/tail/ports';
import { TailSession, type Tailer } from '../src/core/tail/tail-session';
import type { Clock } from '../src/core/clock';
import { LogDocuments, TAIL_SCHEME } from '../src/views/log-document';
import { openEditor, traffic } from './tails-host';
import type { GoogleSandbox } from '../test/sandbox/google/index';

const MB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const heapMB = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / MB;
};
const cpuMs = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

function openTail(title: string, tailer: Tailer, clock: Clock, maxLines = TAIL_MAX_LINES.default) {
  const documents = new LogDocuments();
  const session = new TailSession(title, tailer, { maxLines, clock });
  const uri = {
    scheme: TAIL_SCHEME,
    path: `/${title}.log`,
    toString: () => `${TAIL_SCHEME}:/${title}.log`,
  };
  documents.add(uri as never, session);
  const document = openEditor(uri);
  session.start();
  return { documents, session, document };
}

// ── cpu ─────────────────────────────────────────────────────────────────────
const ESC = '\u001b';
const green = (s: string) => `${ESC}[32;1m${s}${ESC}[0;m`;
const red = (s: string) => `${ESC}[31;1m${s}${ESC}[0;m`;

/** A job's output, gitlab-runner style: a coloured command now and then, sections, test lines. */
function traceLines(from: number, count: number): string {
  const out: string[] = [];
  for (let i = from; i < from + count; i++) {
    if (i % 500 === 0)
      out.push(`section_start:${1_750_000_000 + i}:step_${i}\r${ESC}[0K${ESC}[36;1mStep ${i}${ESC}[0;m`);
    else if (i % 500 === 499) out.push(`section_end:${1_750_000_000 + i}:step_${i - 499}\r${ESC}[0K`);
    else if (i % 25 === 0) out.push(green(`$ npm test -- --shard=${i}`));
    else if (i % 40 === 0) out.push(`  ${red('✗')} test ${i} failed: expected 200, got 503 ${'·'.repeat(20)}`);
    else out.push(`  ✓ test ${i} passes (${(i * 7) % 300} ms) src/module-${i % 97}/feature-${i % 13}.test.ts`);
  }
  return out.join('\n') + '\n';
}

async function cpu(updates: number, linesPerUpdate: number) {
  const clock = new FakeClock();
  let trace = traceLines(0, 10_000);
  const source: JobTraceSource = {
    job: async () => ({ status: 'running' }),
    trace: async () => trace,
  };
  const { document } = openTail('job 1', new JobTraceTailer(source, 1, 1, clock), clock);
  await clock.advance(0); // the first poll: 10,000 lines
  const samples: number[] = [];
  const bytes: number[] = [];
  for (let u = 0; u < updates; u++) {
    trace += traceLines(10_000 + u * linesPerUpdate, linesPerUpdate);
    const wait = clock.nextTimerIn ?? 0;
    const t0 = process.cpuUsage();
    const b0 = traffic.bytes;
    await clock.advance(wait);
    samples.push(cpuMs(t0));
    bytes.push(traffic.bytes - b0);
  }
  return { lines: document.lineCount, samples, bytesPerUpdate: bytes };
}

// ── hour ────────────────────────────────────────────────────────────────────
async function hour(totalLines: number, simulatedMs: number) {
  const clock = new FakeClock();
  const perMs = totalLines / simulatedMs;
  let written = 0;
  const start = clock.now();
  /** A Cloud Logging stand-in: the entries written by now, newest first or oldest first as asked. */
  const source: LogEntrySource = {
    async list(query) {
      const due = Math.min(totalLines, Math.floor((clock.now() - start) * perMs));
      const entry = (i: number): LogEntry => ({
        insertId: `id${i}`,
        timestamp: new Date(start + i / perMs).toISOString(),
        severity: i % 50 === 0 ? 'WARNING' : 'INFO',
        message: `Checking for jobs... received job=${i} repo_url=https://gitlab.example.com/infra/app.git runner=abc${i % 7}`,
      });
      if (query.orderBy === 'timestamp desc') {
        written = due;
        const n = Math.min(query.pageSize, due);
        return { entries: Array.from({ length: n }, (_, k) => entry(due - 1 - k)) };
      }
      const from = Number(query.pageToken ?? written);
      const to = Math.min(due, from + query.pageSize);
      written = to;
      return {
        entries: Array.from({ length: to - from }, (_, k) => entry(from + k)),
        nextPageToken: to < due ? String(to) : undefined,
      };
    },
  };
  const { session, document } = openTail(
    'runner logs',
    new LogEntryTailer(source, 'resource.type="gce_instance"'),
    clock,
  );
  const marks: Array<{ minute: number; heapMB: number; lines: number }> = [];
  const stepMs = 5 * 60_000;
  const t0 = performance.now();
  for (let at = 0; at < simulatedMs; at += stepMs) {
    await clock.advance(stepMs);
    marks.push({ minute: (at + stepMs) / 60_000, heapMB: heapMB(), lines: document.lineCount });
  }
  return {
    wallMs: performance.now() - t0,
    written,
    dropped: session.buffer.dropped,
    documentLines: document.lineCount,
    marks,
  };
}

// ── latency ─────────────────────────────────────────────────────────────────
async function latency(samples: number, loggingBundle: string) {
  const { startSandbox } = await import('../test/sandbox/server');
  // The shipped bundle (REST-only gax, pruned descriptor), not the sources.
  const { logEntrySource } = require(loggingBundle) as typeof import('../src/gcp/logging');
  const { realClock } = await import('../src/core/clock');
  const sandbox = await startSandbox({ seed: 'small' });
  const google = sandbox.world.google as GoogleSandbox;
  const project = sandbox.settings['runnerOps.gcp.project'] as string;
  const source = logEntrySource({
    gcpProject: project,
    credentials: 'none',
    endpoints: sandbox.settings['runnerOps.gcp.endpoints'] as Record<string, string>,
  });
  const filter = `resource.labels.instance_id="bench" AND jsonPayload.container.name="/gitlab-runner"`;
  const { document, session } = openTail('runner logs', new LogEntryTailer(source, filter), realClock);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const shown = (needle: string) => document.lines.some((l) => l.includes(needle));
  const result: number[] = [];
  await sleep(3000); // the first poll (newest entries, none) and the interval grown to its quiet ceiling
  for (let i = 0; i < samples; i++) {
    // A random moment between two polls of a quiet tail.
    await sleep(2000 + Math.random() * 1000);
    const needle = `bench line ${i} ${Math.random().toString(36).slice(2)}`;
    const written = performance.now();
    google.state.logging.append({
      logName: `projects/${project}/logs/gcplogs-docker-driver`,
      resource: { type: 'gce_instance', labels: { instance_id: 'bench', zone: 'z', project_id: project } },
      timestamp: new Date(sandbox.world.clock.now()).toISOString(),
      severity: 'INFO',
      jsonPayload: { container: { name: '/gitlab-runner' }, data: needle },
    });
    while (!shown(needle)) {
      if (performance.now() - written > 10_000) throw new Error(`line ${i} not shown within 10 s`);
      await sleep(5);
    }
    result.push(performance.now() - written);
  }
  session.dispose();
  await sandbox.close();
  return { samples: result };
}

async function main() {
  const [mode, ...args] = process.argv.slice(2);
  const n = (i: number, fallback: number) => (args[i] ? Number(args[i]) : fallback);
  const out =
    mode === 'cpu'
      ? await cpu(n(0, 30), n(1, 5))
      : mode === 'hour'
        ? await hour(n(0, 1_000_000), n(1, 3_600_000))
        : mode === 'latency'
          ? await latency(n(0, 10), args[1])
          : undefined;
  if (!out) throw new Error(`unknown mode ${mode}: cpu | hour | latency`);
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
}
main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
