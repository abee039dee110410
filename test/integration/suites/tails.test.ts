// Tails in the real VS Code against the sandbox: each tail shows what the source appends after it
// opened (within 2 s), the serial tail marks lost bytes and a restart, and closing the editor
// stops the requests (asserted on the sandbox's request log).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { GoogleSandbox } from '../../sandbox/google/index';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { eventually, hasUi, ui } from '../bridge';
import { applySettings, clearSettings } from '../settings';

/** A small cap, so the suite also sees the oldest lines dropped. */
const MAX_LINES = 1_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The tail's document text, as the editor has it. */
function documentText(uri: vscode.Uri): string {
  return vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString())?.getText() ?? '';
}

/** Waits until the document contains `needle`; returns how long it took. */
async function seen(uri: vscode.Uri, needle: string | RegExp, timeoutMs = 2_000): Promise<number> {
  const started = Date.now();
  const text = await eventually(
    async () => documentText(uri),
    (t) => (typeof needle === 'string' ? t.includes(needle) : needle.test(t)),
    timeoutMs + 500,
  );
  const ms = Date.now() - started;
  assert.ok(
    typeof needle === 'string' ? text.includes(needle) : needle.test(text),
    `${String(needle)} not shown after ${ms} ms; the document ends with:\n${text.slice(-600)}`,
  );
  return ms;
}

async function closeTail(uri: vscode.Uri): Promise<void> {
  const tab = vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .find((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === uri.toString());
  assert.ok(tab, 'the tail has a tab');
  await vscode.window.tabGroups.close(tab);
}

/** The tab's title as the workbench shows it. */
function tabLabel(uri: vscode.Uri): string | undefined {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .find((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === uri.toString())?.label;
}

/** Runs a command that asks with a quick pick; returns what the pick showed, then answers it with `answer`. */
async function pickerOf<T>(
  command: string,
  arg: unknown,
  ready: (pick: Awaited<ReturnType<typeof ui.quickInput>>) => boolean,
  answer: string[] = ['workbench.action.closeQuickOpen'],
): Promise<{ pick: Awaited<ReturnType<typeof ui.quickInput>>; result: T | undefined }> {
  const running = Promise.resolve(vscode.commands.executeCommand<T>(command, ...(arg === undefined ? [] : [arg])));
  const pick = await eventually(
    () => ui.quickInput(),
    (p) => p.visible && ready(p),
    15_000,
  );
  if (!(pick.visible && ready(pick))) {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await running;
    assert.fail(`${command}: no such quick pick: ${JSON.stringify(pick)}`);
  }
  for (const step of answer) await vscode.commands.executeCommand(step);
  return { pick, result: await running };
}

suite('Tail runner logs', () => {
  let sandbox: Sandbox;
  let google: GoogleSandbox;
  let project: string;
  let zone: string;

  /** After closing, a poll already in flight may finish; after that, nothing may reach the server. */
  async function assertNoRequestAfterClose(matches: (path: string) => boolean): Promise<void> {
    await sleep(500);
    const mark = sandbox.requests.mark();
    await sleep(3_000);
    const late = sandbox.requests.since(mark).filter((r) => matches(r.path));
    assert.deepEqual(
      late.map((r) => `${r.method} ${r.path}`),
      [],
      'requests after the tail closed',
    );
  }

  suiteSetup(async () => {
    sandbox = await startSandbox({ seed: 'small' });
    google = sandbox.world.google as GoogleSandbox;
    project = sandbox.settings['runnerOps.gcp.project'] as string;
    zone = (sandbox.settings['runnerOps.gcp.zones'] as string[])[0];
    await applySettings({ ...sandbox.settings, 'runnerOps.logs.maxLines': MAX_LINES });
    const signedIn = await vscode.commands.executeCommand<{ ok: boolean }>('runnerOps.signIn', {
      url: sandbox.url,
      token: sandbox.gitlabToken,
    });
    assert.equal(signedIn.ok, true);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('runnerOps.signOut');
    await clearSettings({ ...sandbox.settings, 'runnerOps.logs.maxLines': MAX_LINES });
    await sandbox.close();
  });

  // A failed test must not leave a tail polling into the next test's request counts.
  teardown(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  test('worker console: new output within 2 s, lost-bytes and restart markers, no request after close', async () => {
    const vm = google.state.compute.vm(project, zone, 'gitlab-runner-1');
    const uri = await vscode.commands.executeCommand<vscode.Uri>('runnerOps.tailWorkerLog', {
      vm: { name: vm.name, zone, id: vm.id },
    });
    assert.ok(uri, 'the command returns the tail document');
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    assert.equal(document?.languageId, 'log');
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), uri.toString(), 'the tail is shown');
    await seen(uri, /systemd|gitlab-runner|startup-script/, 5_000);

    const beforeProbe = sandbox.requests.mark();
    vm.serial.get(1)!.write('runner-ops probe: console line one\r\n');
    const ms = await seen(uri, 'runner-ops probe: console line one').catch((e: Error) => {
      const reads = sandbox.requests
        .since(beforeProbe)
        .map((r) => `${new Date(r.at).toISOString()} ${r.path} ${r.status}`);
      throw new Error(`${e.message}\nreads since the write:\n${reads.join('\n')}`);
    });
    const reads = sandbox.requests
      .since(beforeProbe)
      .map((r) => `${new Date(r.at).toISOString()} ${r.ms} ms ${r.path.replace(/.*serialPort/, '')} ${r.status}`);
    vm.serial.get(1)!.write('runner-ops probe: console line two\r\n');
    const ms2 = await seen(uri, 'runner-ops probe: console line two');
    console.log(`    serial: new line shown after ${ms} ms, the next after ${ms2} ms`);
    assert.ok(ms2 <= 2_000, `second line took ${ms2} ms`);
    assert.ok(
      ms <= 2_000,
      `took ${ms} ms (the next line ${ms2} ms); written at ${new Date(sandbox.world.clock.now() - ms).toISOString()}, reads:\n${reads.join('\n')}`,
    );

    // More than the 1 MB the port keeps, between two polls: the tail says how much it missed.
    const flood = Array.from(
      { length: 600 },
      (_, i) => `flood ${String(i).padStart(3, '0')} ${'x'.repeat(1990)}\r\n`,
    ).join('');
    vm.serial.get(1)!.write(`${flood}after the flood\r\n`);
    await seen(uri, 'after the flood', 5_000);
    // The kept window starts inside a line: its rest follows the marker, then whole lines.
    assert.match(documentText(uri), /\nrunner-ops probe: console line two\n\[\d+ bytes lost\]\n(x*\n)?flood \d+/);
    if (hasUi) await ui.screenshot('tail-serial-lost-bytes');

    // Past runnerOps.logs.maxLines the oldest lines go, and the first line says how many.
    vm.serial.get(1)!.write(Array.from({ length: MAX_LINES }, (_, i) => `short line ${i}\r\n`).join(''));
    await seen(uri, `short line ${MAX_LINES - 1}`, 5_000);
    assert.match(documentText(uri), /^\[\d+ older lines dropped\]\nshort line \d+\n/);
    assert.equal(
      vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString())!.lineCount,
      MAX_LINES + 1,
      'the cap holds',
    );

    google.state.compute.reset(vm);
    await seen(uri, /\[VM restarted\]\nSeaBIOS/, 10_000);
    if (hasUi) await ui.screenshot('tail-serial-restarted');

    await closeTail(uri);
    await assertNoRequestAfterClose((path) => path.includes('/serialPort'));
  });

  test('two tails at once; Stop pauses only its own requests, Resume catches up, Clear empties, the view follows the end only while it is visible', async () => {
    const one = google.state.compute.vm(project, zone, 'gitlab-runner-1');
    const two = google.state.compute.vm(project, zone, 'gitlab-runner-2');
    const uriOne = await vscode.commands.executeCommand<vscode.Uri>('runnerOps.tailWorkerLog', {
      vm: { name: one.name, zone, id: one.id },
    });
    const uriTwo = await vscode.commands.executeCommand<vscode.Uri>('runnerOps.tailWorkerLog', {
      vm: { name: two.name, zone, id: two.id },
    });
    await seen(uriTwo, /gitlab-runner-2/, 5_000);

    await vscode.commands.executeCommand('runnerOps.stopTail', uriTwo);
    // A stopped log says so, with the time, so it does not pass for a quiet one.
    await seen(uriTwo, /\n\[tail stopped at \d\d:\d\d:\d\d — Resume Tail to continue\]$/);
    await sleep(500);
    const mark = sandbox.requests.mark();
    two.serial.get(1)!.write('written while stopped\r\n');
    one.serial.get(1)!.write('the other tail goes on\r\n');
    await sleep(3_000);
    const reads = sandbox.requests.since(mark).map((r) => r.path);
    assert.deepEqual(
      reads.filter((p) => p.includes('/gitlab-runner-2/serialPort')),
      [],
      'no read for the stopped tail',
    );
    assert.ok(
      reads.some((p) => p.includes('/gitlab-runner-1/serialPort')),
      'the hidden tail still polls, slowly',
    );
    assert.doesNotMatch(documentText(uriTwo), /written while stopped/);

    await vscode.commands.executeCommand('runnerOps.resumeTail', uriTwo);
    await seen(uriTwo, /— Resume Tail to continue\]\n\[tail resumed at \d\d:\d\d:\d\d\]\nwritten while stopped/);
    await vscode.commands.executeCommand('runnerOps.clearTail', uriTwo);
    await eventually(
      async () => documentText(uriTwo),
      (t) => t === '',
    );
    assert.equal(documentText(uriTwo), '');
    two.serial.get(1)!.write('after clear\r\n');
    await seen(uriTwo, /^after clear$/);

    // Follows the end only while the end is visible: scrolled up, the view stays put.
    const editor = await vscode.window.showTextDocument(uriOne, { preview: false });
    one.serial.get(1)!.write(Array.from({ length: 200 }, (_, i) => `filler ${i}\r\n`).join(''));
    await seen(uriOne, 'filler 199');
    const lastVisible = () => editor.visibleRanges[editor.visibleRanges.length - 1]?.end.line ?? -1;
    await eventually(
      async () => lastVisible(),
      (line) => line >= editor.document.lineCount - 2,
    );
    assert.ok(lastVisible() >= editor.document.lineCount - 2, 'following the end at first');
    editor.revealRange(new vscode.Range(0, 0, 0, 0), vscode.TextEditorRevealType.AtTop);
    await eventually(
      async () => lastVisible(),
      (line) => line < 100,
    );
    one.serial.get(1)!.write('while scrolled up\r\n');
    await seen(uriOne, 'while scrolled up');
    await sleep(500);
    assert.ok(lastVisible() < 100, `the view stayed where the operator scrolled (last visible line ${lastVisible()})`);
    editor.revealRange(new vscode.Range(editor.document.lineCount - 1, 0, editor.document.lineCount - 1, 0));
    await sleep(500);
    one.serial.get(1)!.write(Array.from({ length: 100 }, (_, i) => `more ${i}\r\n`).join(''));
    await seen(uriOne, 'more 99');
    const following = await eventually(
      async () => lastVisible(),
      (line) => line >= editor.document.lineCount - 2,
    );
    assert.ok(
      following >= editor.document.lineCount - 2,
      `back at the end, it follows again (last visible ${following} of ${editor.document.lineCount})`,
    );

    await closeTail(uriTwo);
    await closeTail(uriOne);
    await assertNoRequestAfterClose((path) => path.includes('/serialPort'));
  });

  test('runner container logs: a new entry within 2 s, shown once, no request after close', async () => {
    const vm = google.state.compute.vm(project, zone, 'gitlab-runner-1');
    const uri = await vscode.commands.executeCommand<vscode.Uri>('runnerOps.tailRunnerLog', {
      vm: { name: vm.name, zone, id: vm.id },
    });
    assert.ok(uri);
    await sleep(1_000);
    google.state.logging.append({
      logName: `projects/${project}/logs/gcplogs-docker-driver`,
      resource: { type: 'gce_instance', labels: { instance_id: vm.id, zone, project_id: project } },
      timestamp: new Date(sandbox.world.clock.now()).toISOString(),
      severity: 'ERROR',
      labels: { container_name: 'gitlab-runner' },
      jsonPayload: { container: { name: '/gitlab-runner' }, data: 'runner-ops probe: Checking for jobs... forbidden' },
    });
    const ms = await seen(uri, /ERROR\s+runner-ops probe: Checking for jobs\.\.\. forbidden/);
    console.log(`    runner logs: new entry shown after ${ms} ms`);
    assert.ok(ms <= 2_000, `took ${ms} ms`);
    await sleep(2_000);
    assert.equal(documentText(uri).split('runner-ops probe').length - 1, 1, 'the entry is shown once across polls');
    if (hasUi) await ui.screenshot('tail-runner-logs');

    await closeTail(uri);
    await assertNoRequestAfterClose((path) => path.startsWith('/v2/entries:list'));
  });

  test('job trace: follows a running job, sections fold with durations, ends with the job', async () => {
    const projectPath = encodeURIComponent((sandbox.settings['runnerOps.gitlab.projects'] as string[])[0]);
    const headers = { 'PRIVATE-TOKEN': sandbox.gitlabToken };
    const pipeline = (await (
      await fetch(`${sandbox.url}/api/v4/projects/${projectPath}/pipeline?ref=main`, { method: 'POST', headers })
    ).json()) as { id: number; project_id: number };
    const jobs = await eventually(
      async () =>
        (await (
          await fetch(`${sandbox.url}/api/v4/projects/${projectPath}/pipelines/${pipeline.id}/jobs`, { headers })
        ).json()) as Array<{ id: number; name: string; status: string }>,
      (list) => list.some((j) => j.status === 'running'),
    );
    const running = jobs.find((j) => j.status === 'running');
    assert.ok(running, 'a job of the new pipeline runs');

    const uri = await vscode.commands.executeCommand<vscode.Uri>('runnerOps.tailJobLog', {
      job: { id: running.id, name: running.name, projectId: pipeline.project_id },
    });
    assert.ok(uri);
    await seen(uri, 'Running with gitlab-runner', 3_000);
    const before = documentText(uri).split('\n').length;
    await eventually(
      async () => documentText(uri).split('\n').length,
      (n) => n > before,
      15_000,
    );
    assert.ok(documentText(uri).split('\n').length > before, 'lines appended to the running job reach the document');
    assert.doesNotMatch(
      documentText(uri),
      /\u001b|section_start|section_end/,
      'no escape codes or section markers in the text',
    );

    // Finish the job: the tail shows the end and stops by itself.
    sandbox.world.clock.advance(60 * 60_000);
    await seen(uri, /\[job (success|failed)\]$/, 5_000);
    assert.match(
      documentText(uri),
      /Getting source from Git repository \((\d+ min )?\d+ s\)/,
      'section headers carry their duration',
    );
    const folds =
      (await vscode.commands.executeCommand<vscode.FoldingRange[]>('vscode.executeFoldingRangeProvider', uri)) ?? [];
    assert.ok(folds.length >= 3, `job sections fold (${folds.length} ranges)`);
    if (hasUi) await ui.screenshot('tail-job-trace');

    const mark = sandbox.requests.mark();
    await sleep(2_500);
    assert.deepEqual(
      sandbox.requests.since(mark).filter((r) => r.path.includes(`/jobs/${running.id}`)),
      [],
      'a finished job is not polled',
    );
    await closeTail(uri);
  });

  test('a finished job opens its whole trace at once', async () => {
    const projectPath = encodeURIComponent((sandbox.settings['runnerOps.gitlab.projects'] as string[])[0]);
    const headers = { 'PRIVATE-TOKEN': sandbox.gitlabToken };
    const jobs = (await (
      await fetch(`${sandbox.url}/api/v4/projects/${projectPath}/jobs?per_page=100`, { headers })
    ).json()) as Array<{ id: number; name: string; status: string; pipeline: { project_id: number } }>;
    const done = jobs.find((j) => j.status === 'success');
    assert.ok(done, 'the seed has a finished job');
    const mark = sandbox.requests.mark();
    const uri = await vscode.commands.executeCommand<vscode.Uri>('runnerOps.tailJobLog', {
      job: { id: done.id, name: done.name, projectId: done.pipeline.project_id },
    });
    await seen(uri, /Job succeeded\n\[job success\]$/, 3_000);
    const calls = sandbox.requests
      .since(mark)
      .filter((r) => r.path.includes(`/jobs/${done.id}`))
      .map((r) => r.path.replace(/\?.*/, '').replace(/.*\/jobs\//, 'jobs/'));
    assert.deepEqual(calls, [`jobs/${done.id}`, `jobs/${done.id}/trace`]);
    await closeTail(uri);
  });
  test('a tail follows the end at column 1: a long last line does not hide the start of lines', async () => {
    const vm = google.state.compute.vm(project, zone, 'gitlab-runner-1');
    const uri = await vscode.commands.executeCommand<vscode.Uri>('runnerOps.tailWorkerLog', {
      vm: { name: vm.name, zone, id: vm.id },
    });
    await seen(uri, /systemd|gitlab-runner|startup-script/, 5_000);
    const long = (n: number) => `level=error msg="runner-ops wide ${n}" ${'detail=unhealthy '.repeat(40)}end`;
    vm.serial.get(1)!.write(`${long(1)}\r\n${long(2)}\r\n`);
    await seen(uri, 'runner-ops wide 2');
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.toString(), uri.toString());
    await eventually(
      async () => editor!.visibleRanges[editor!.visibleRanges.length - 1]?.end.line ?? -1,
      (line) => line >= editor!.document.lineCount - 1,
    );
    await sleep(500);
    assert.equal(editor!.document.lineAt(editor!.document.lineCount - 1).text, long(2), 'the long line is the last');
    if (hasUi) await ui.screenshot('tail-long-last-line');
    const { start, end } = editor!.selection;
    assert.deepEqual(
      [start.line, start.character, end.line, end.character],
      [editor!.document.lineCount - 1, 0, editor!.document.lineCount - 1, 0],
      'the cursor follows at column 1',
    );
    if (hasUi) {
      const shown = await ui.activeEditor();
      assert.deepEqual(
        { sliderLeft: shown.sliderLeft, contentLeft: shown.contentLeft },
        { sliderLeft: 0, contentLeft: 0 },
        'not scrolled sideways',
      );
      assert.match(shown.cursor, /Col 1$/, `the status bar says ${shown.cursor}`);
    }
    await closeTail(uri);
  });

  test("the tail pickers speak the view's words, have a title and a placeholder, and an empty one says why", async function () {
    if (!hasUi) this.skip();
    const none = await pickerOf('runnerOps.showTails', undefined, () => true);
    assert.equal(none.pick.title, 'Runner Ops tails');
    assert.match(none.pick.placeholder, /^No tail is open: start one with Tail Worker Console/);
    assert.deepEqual(none.pick.rows, []);

    // Tail Worker Console asks for the VM (as the Runner VMs view names its status) and not for a port.
    const consoleTail = await pickerOf<vscode.Uri>('runnerOps.tailWorkerLog', undefined, (p) => p.rows.length > 0, [
      'workbench.action.acceptSelectedQuickOpenItem',
    ]);
    assert.equal(consoleTail.pick.title, 'Tail the console of which runner VM?');
    assert.ok(consoleTail.pick.placeholder, 'a placeholder');
    const running = consoleTail.pick.rows.find((r) => r.label === 'gitlab-runner-1');
    assert.match(
      running?.description ?? '',
      new RegExp(`^Running · ${zone} · `),
      JSON.stringify(consoleTail.pick.rows),
    );
    assert.ok(
      consoleTail.pick.rows.every((r) => !/[A-Z]{4,}/.test(r.description)),
      'no RUNNING / TERMINATED',
    );
    assert.ok(consoleTail.result, 'the console opens');
    assert.match(tabLabel(consoleTail.result) ?? '', / console\.log$/);
    assert.equal((await ui.quickInput()).visible, false, 'no question about a serial port');
    await closeTail(consoleTail.result);

    // Tail Worker Serial Port… asks for the port, saying what each one usually is.
    const vm = google.state.compute.vm(project, zone, 'gitlab-runner-1');
    vm.serial.get(2)?.write('runner-ops probe: port two\r\n');
    const port = await pickerOf<vscode.Uri>(
      'runnerOps.tailWorkerSerialPort',
      { vm: { name: vm.name, zone, id: vm.id } },
      (p) => p.rows.length === 4,
      ['workbench.action.quickOpenSelectNext', 'workbench.action.acceptSelectedQuickOpenItem'],
    );
    assert.equal(port.pick.title, 'Tail which serial port of gitlab-runner-1?');
    assert.match(port.pick.placeholder, /Port 1 is the console/);
    assert.deepEqual(
      port.pick.rows.map((r) => r.label),
      ['Port 1: console', 'Port 2', 'Port 3', 'Port 4'],
    );
    assert.ok(
      port.pick.rows.every((r) => r.description),
      'each port says what it usually carries',
    );
    assert.ok(port.result);
    assert.equal(tabLabel(port.result), 'gitlab-runner-1 serial port 2.log');
    // One tail open: Show Live Tails brings it to the front without asking.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language: 'plaintext' }));
    await vscode.commands.executeCommand('runnerOps.showTails');
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), port.result.toString());
    assert.equal((await ui.quickInput()).visible, false, 'no picker for a single tail');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');

    // Follow Job Trace lists jobs as the Pipelines view describes them.
    const jobs = await pickerOf('runnerOps.tailJobLog', undefined, (p) => p.rows.length > 0);
    assert.equal(jobs.pick.title, 'Follow the trace of which job?');
    assert.match(jobs.pick.placeholder, /Running and failed jobs first/);
    for (const row of jobs.pick.rows)
      assert.match(
        row.description,
        /^(Passed|Failed|Failed \(allowed\)|Running|Pending|Created|Canceled|Skipped|Manual) · pipeline #\d+ · main( · runner #\d+ '[^']+')?( · .+)?$/,
        JSON.stringify(row),
      );
    assert.ok(
      jobs.pick.rows.some((r) => / · runner #\d+ '[^']+' · \d+ (s|min|h|d) ago$/.test(r.description)),
      JSON.stringify(jobs.pick.rows.slice(0, 3)),
    );

    // No VM matches the filter: the empty picker names the setting.
    const filter = sandbox.settings['runnerOps.gcp.instanceFilter'];
    await applySettings({ 'runnerOps.gcp.instanceFilter': 'labels.role = no-such-role' });
    try {
      await sleep(1_000);
      const empty = await pickerOf('runnerOps.tailRunnerLog', undefined, (p) => p.placeholder.startsWith('No VM'));
      assert.equal(empty.pick.title, 'Tail the runner container logs of which VM?');
      assert.equal(
        empty.pick.placeholder,
        `No VM in project ${project} (zones ${(sandbox.settings['runnerOps.gcp.zones'] as string[]).join(', ')}) matches runnerOps.gcp.instanceFilter: labels.role = no-such-role`,
      );
      assert.deepEqual(empty.pick.rows, []);

      // One VM: nothing to choose.
      await applySettings({ 'runnerOps.gcp.instanceFilter': 'name = gitlab-runner-2' });
      await sleep(1_000);
      const only = await vscode.commands.executeCommand<vscode.Uri>('runnerOps.tailWorkerLog');
      assert.ok(only, 'the only VM is tailed without a question');
      assert.equal(tabLabel(only), 'gitlab-runner-2 console.log');
    } finally {
      await applySettings({ 'runnerOps.gcp.instanceFilter': filter });
    }
  });

  test('a job no runner has taken says so in its tail, for how long, on one line; then its trace streams', async () => {
    const projectPath = encodeURIComponent((sandbox.settings['runnerOps.gitlab.projects'] as string[])[0]);
    const headers = { 'PRIVATE-TOKEN': sandbox.gitlabToken, 'content-type': 'application/json' };
    const api = `${sandbox.url}/api/v4`;
    const runners = (await (await fetch(`${api}/runners/all?per_page=100`, { headers })).json()) as Array<{
      id: number;
    }>;
    const pauseAll = (paused: boolean) =>
      Promise.all(
        runners.map((r) =>
          fetch(`${api}/runners/${r.id}`, { method: 'PUT', headers, body: JSON.stringify({ paused }) }),
        ),
      );
    await pauseAll(true);
    let uri: vscode.Uri | undefined;
    try {
      const pipeline = (await (
        await fetch(`${api}/projects/${projectPath}/pipeline?ref=main`, { method: 'POST', headers })
      ).json()) as { id: number; project_id: number };
      const jobs = (await (
        await fetch(`${api}/projects/${projectPath}/pipelines/${pipeline.id}/jobs`, { headers })
      ).json()) as Array<{ id: number; name: string; status: string }>;
      const pending = jobs.find((j) => j.status === 'pending');
      assert.ok(pending, `a job waits: ${jobs.map((j) => j.status).join(', ')}`);
      uri = await vscode.commands.executeCommand<vscode.Uri>('runnerOps.tailJobLog', {
        job: { id: pending.id, name: pending.name, projectId: pipeline.project_id },
      });
      await seen(uri, /^\[waiting for a runner for less than 1 min( · tags: [^\]]+)?\]$/, 3_000);
      if (hasUi) await ui.screenshot('tail-job-waiting');
      sandbox.world.clock.advance(70_000);
      await seen(uri, /^\[waiting for a runner for 1 min( · tags: [^\]]+)?\]$/, 3_000);
      await sleep(1_500);
      assert.equal(documentText(uri).split('\n').length, 1, 'one line, updated in place');
    } finally {
      await pauseAll(false);
    }
    await seen(uri, /^\[waited for a runner for 1 min\]\nRunning with gitlab-runner/, 15_000);
    await closeTail(uri);
  });
});
