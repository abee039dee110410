// Every action from the command palette, as a new operator would run it: the palette finds it,
// it asks for its target with a titled picker in the tree's words (Running, Online, Passed), and
// what the user picked reaches the sandbox. Pages opened outside VS Code are read from the
// extension's `external` seam, the clipboard from VS Code's.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FleetStore } from '../../../src/core/fleet-store';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { eventually, hasUi, ui } from '../bridge';
import { fromPalette, untilPick } from '../palette';
import { applySettings, clearSettings } from '../settings';

const api = () => vscode.extensions.getExtension('runner-ops.runner-ops')!.exports;
const store = (): FleetStore => api().services.store();
/** Raw API statuses a picker must not show: the status table's words are Running, Online, Passed… */
const RAW_STATUS = /\b(RUNNING|TERMINATED|running|success|failed|canceled|pending|online|offline)\b/;

/**
 * Waits for the first GitLab requests of `method` since `mark`, as `path status`. Not the
 * checklist's POST /runners/verify: a read (is this stored runner token still valid?) that the
 * checklist makes whenever it is on screen, whatever the palette does.
 */
const requestsSince = (sandbox: Sandbox, mark: number, method: string) =>
  eventually(
    async () =>
      sandbox.requests
        .since(mark)
        .filter((r) => r.method === method && r.api === 'gitlab' && !r.path.startsWith('/api/v4/runners/verify'))
        .map((r) => `${r.path.split('?')[0]} ${r.status}`),
    (requests) => requests.length > 0,
  );
const pausedOf = async (id: number) => store().runners.value?.find((r) => r.id === id)?.paused;

suite('Palette', function () {
  let sandbox: Sandbox;
  let original: { ask: unknown; open: unknown };
  const asked: string[] = [];
  const opened: string[] = [];

  suiteSetup(async function () {
    await vscode.extensions.getExtension('runner-ops.runner-ops')!.activate();
    if (!hasUi) this.skip();
    original = { ask: api().confirmation.ask, open: api().external.open };
    api().confirmation.ask = async (message: string) => (asked.push(message), true);
    api().external.open = async (uri: vscode.Uri) => (opened.push(uri.toString(true)), true);
    sandbox = await startSandbox({ seed: 'demo' });
    await applySettings(sandbox.settings);
    const signedIn = await vscode.commands.executeCommand<{ ok: boolean }>('runnerOps.signIn', {
      url: sandbox.url,
      token: sandbox.gitlabToken,
    });
    assert.equal(signedIn.ok, true);
    await ui.clearNotifications();
  });

  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    asked.length = 0;
    opened.length = 0;
  });

  suiteTeardown(async () => {
    if (!sandbox) return;
    api().confirmation.ask = original.ask;
    api().external.open = original.open;
    await vscode.commands.executeCommand('runnerOps.signOut');
    await clearSettings(sandbox.settings);
    await sandbox.close();
  });

  test('Retry Pipeline from the palette offers the failed and canceled pipelines and retries the one picked', async () => {
    const mark = sandbox.requests.mark();
    await fromPalette('Retry Pipeline');
    const picker = await untilPick('Retry which pipeline?');
    assert.equal(picker.placeholder, 'Failed and canceled pipelines, newest first');
    assert.deepEqual(
      picker.items.map((i) => `${i.label} — ${i.description}`),
      ['#7 main — Failed · infra/runner-fleet · 7 h ago'],
    );
    await ui.choosePick('#7 main');
    const posts = await requestsSince(sandbox, mark, 'POST');
    assert.deepEqual(posts, ['/api/v4/projects/1/pipelines/7/retry 201']);
    await eventually(
      async () => store().findPipeline(7)?.status,
      (s) => s !== 'failed',
    );
  });

  test('Cancel Pipeline from the palette offers the pipelines in motion, asks, and cancels the one picked', async () => {
    const mark = sandbox.requests.mark();
    await fromPalette('Cancel Pipeline');
    const picker = await untilPick('Cancel which pipeline?');
    assert.equal(picker.placeholder, 'Running and pending pipelines, newest first');
    const twelve = picker.items.find((i) => i.label === '#12 main');
    assert.match(twelve?.description ?? '', /^(Running|Pending) · infra\/runner-fleet · \d+ min ago$/);
    for (const item of picker.items) {
      assert.match(item.description, /^(Running|Pending|Created|Preparing) · /, 'only pipelines in motion');
      assert.doesNotMatch(item.description, RAW_STATUS);
    }
    await ui.choosePick('#12 main');
    const posts = await requestsSince(sandbox, mark, 'POST');
    assert.deepEqual(asked, ['Cancel pipeline #12 on main? Its running and pending jobs are stopped.']);
    assert.deepEqual(posts, ['/api/v4/projects/1/pipelines/12/cancel 200']);
  });

  test('a retried pipeline’s row reads "Retrying…" until GitLab answers, then shows the retried pipeline', async () => {
    await ui.openContainer();
    const rowOf12 = async () => {
      const view = await ui.readView('Pipelines');
      const row = view.rows.find((r) => r.text === '#12 main');
      return row ? `${row.text} — ${row.description}` : view.rows.map((r) => r.text).join(' | ');
    };
    assert.match(
      await eventually(rowOf12, (row) => /— Canceled/.test(row), 20_000),
      /^#12 main — Canceled/,
      'canceled by the test before',
    );
    sandbox.faults.add('gitlab:/api/v4/projects/*/pipelines/*/retry=latency:4000');
    try {
      const retried = vscode.commands.executeCommand('runnerOps.retryPipeline', { pipeline: store().findPipeline(12) });
      assert.equal(await eventually(rowOf12, (row) => /Retrying/.test(row)), '#12 main — Retrying…');
      await retried;
    } finally {
      sandbox.faults.clear();
    }
    assert.match(
      await eventually(rowOf12, (row) => !/Retrying|Canceled/.test(row)),
      /^#12 main — (Pending|Running|Created) · /,
    );
  });

  test('Open Pipeline in GitLab from the palette opens that pipeline’s own page', async () => {
    await fromPalette('Open Pipeline in GitLab');
    const picker = await untilPick('Open which pipeline in GitLab?');
    const seven = picker.items.find((i) => i.label === '#7 main');
    assert.ok(seven, JSON.stringify(picker.items));
    for (const item of picker.items) assert.doesNotMatch(item.description, RAW_STATUS);
    assert.ok(
      picker.items.some((i) => /^Passed · infra\/version-updater · /.test(i.description)),
      'settled pipelines read Passed',
    );
    await ui.choosePick('#7 main');
    await eventually(
      async () => opened.length,
      (n) => n > 0,
    );
    assert.deepEqual(opened, [`${sandbox.url}/infra/runner-fleet/-/pipelines/7`]);
  });

  test('Open Runner in GitLab: offline runners first, in the tree’s words; each opens its own page', async () => {
    await fromPalette('Open Runner in GitLab');
    const picker = await untilPick('Open which runner in GitLab?');
    assert.deepEqual(
      picker.items.map((i) => `${i.label} — ${i.description}`),
      [
        '#3 gitlab-runner-c — Offline · instance · gcp, docker',
        '#1 gitlab-runner-a — Online · project · gcp, terraform, deploy',
        '#2 gitlab-runner-b — Online · group · gcp, terraform',
      ],
    );
    await ui.choosePick('#1 gitlab-runner-a');
    await eventually(
      async () => opened.length,
      (n) => n > 0,
    );
    for (const id of [2, 3]) {
      const runner = store().runners.value!.find((r) => r.id === id);
      await vscode.commands.executeCommand('runnerOps.openRunnerInGitLab', { runner });
    }
    assert.deepEqual(opened, [
      `${sandbox.url}/infra/runner-fleet/-/runners/1`,
      `${sandbox.url}/groups/infra/-/runners/2`,
      `${sandbox.url}/admin/runners/3`,
    ]);
  });

  test('Pause and Resume Runner from the palette offer the runners they apply to; an empty list says why', async () => {
    let mark = sandbox.requests.mark();
    await fromPalette('Pause Runner');
    const pause = await untilPick('Pause which runner?');
    assert.ok(pause.items.every((i) => !/Paused/.test(i.description)));
    await ui.choosePick('#2 gitlab-runner-b');
    assert.deepEqual(await requestsSince(sandbox, mark, 'PUT'), ['/api/v4/runners/2 200']);
    await eventually(
      () => pausedOf(2),
      (paused) => paused === true,
    );

    mark = sandbox.requests.mark();
    await fromPalette('Resume Runner');
    const resume = await untilPick('Resume which runner?');
    assert.deepEqual(
      resume.items.map((i) => `${i.label} — ${i.description}`),
      ['#2 gitlab-runner-b — Paused · group · gcp, terraform'],
    );
    await ui.choosePick('#2 gitlab-runner-b');
    assert.deepEqual(await requestsSince(sandbox, mark, 'PUT'), ['/api/v4/runners/2 200']);
    await eventually(
      () => pausedOf(2),
      (paused) => paused === false,
    );

    await ui.clearNotifications();
    await vscode.commands.executeCommand('runnerOps.resumeRunner');
    const toasts = await eventually(
      () => ui.notifications(),
      (n) => n.some((t) => /No paused runner/.test(t)),
    );
    assert.ok(
      toasts.includes('No paused runner to resume among the 3 runners of infra/runner-fleet, infra/version-updater.'),
      toasts.join('\n'),
    );
  });

  test('Run Schedule Now from the palette names the pipeline it started and follows its first job', async () => {
    await ui.clearNotifications();
    const mark = sandbox.requests.mark();
    await fromPalette('Run Schedule Now');
    const picker = await untilPick('Run which pipeline schedule now?');
    assert.deepEqual(picker.items.map((i) => `${i.label} — ${i.description}`).sort(), [
      'Nightly runner version check — infra/version-updater · main · 0 3 * * *',
      'Weekly drift check — infra/runner-fleet · main · 30 6 * * 1',
    ]);
    await ui.choosePick('Nightly runner version check');
    const posts = await requestsSince(sandbox, mark, 'POST');
    assert.deepEqual(posts, ['/api/v4/projects/2/pipeline_schedules/1/play 201']);
    const toasts = await eventually(
      () => ui.notifications(),
      (n) => n.some((t) => /started pipeline #/.test(t)),
    );
    const said = toasts.find((t) => /started pipeline #/.test(t)) ?? toasts.join('\n');
    const id = Number(/started pipeline #(\d+)/.exec(said)?.[1]);
    assert.equal(said, `Schedule "Nightly runner version check" started pipeline #${id} on main.`);
    const started = store().findPipeline(id);
    assert.equal(started?.source, 'schedule', 'the new pipeline is in the store before the next refresh');

    await ui.clickNotificationButton('started pipeline #', 'Follow');
    const editor = await eventually(
      async () => vscode.window.activeTextEditor?.document.uri.path ?? '',
      (path) => /job \d+ check-versions/.test(path),
      15_000,
    );
    assert.match(editor, /job \d+ check-versions\.log$/, 'Follow opens the live trace of its first job');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('Reveal in the message of Run Schedule Now selects the new pipeline’s row in the Pipelines view', async () => {
    await ui.clearNotifications();
    const project = store().projects.value!.find((p) => p.path === 'infra/runner-fleet')!;
    await store().loadSchedules(project.id);
    const schedule = store().schedules.get(project.id)!.value![0];
    const started = await vscode.commands.executeCommand<{ id: number }>('runnerOps.runSchedule', {
      project,
      schedule,
    });
    await eventually(
      () => ui.notifications(),
      (n) => n.some((t) => t.includes(`started pipeline #${started.id}`)),
    );
    await ui.clickNotificationButton(`started pipeline #${started.id}`, 'Reveal');
    const pipelines = api().views.byId.get('runnerOps.pipelines').view as vscode.TreeView<{
      pipeline?: { id: number };
    }>;
    const selected = await eventually(
      async () => pipelines.selection.map((node) => node.pipeline?.id),
      (ids) => ids.includes(started.id),
    );
    assert.deepEqual(selected, [started.id]);
    assert.equal(pipelines.visible, true);
    const view = await ui.readView('Pipelines');
    assert.ok(
      view.rows.some((r) => r.text === `#${started.id} main`),
      view.rows.map((r) => r.text).join(' | '),
    );
  });

  test('VM commands from the palette: the gcloud SSH command, the IP address, the Cloud Console page', async () => {
    const project = String(sandbox.settings['runnerOps.gcp.project']);
    await fromPalette('Copy gcloud SSH Command');
    const picker = await untilPick('Copy the gcloud SSH command for which runner VM?');
    const a = picker.items.find((i) => i.label === 'gitlab-runner-a');
    assert.equal(a?.description, 'Running · europe-west1-b · 10.132.0.2');
    for (const item of picker.items) assert.doesNotMatch(item.description, RAW_STATUS);
    await ui.choosePick('gitlab-runner-a');
    const ssh = `gcloud compute ssh gitlab-runner-a --zone europe-west1-b --project ${project}`;
    assert.equal(
      await eventually(
        () => Promise.resolve(vscode.env.clipboard.readText()),
        (text) => text === ssh,
      ),
      ssh,
    );

    await fromPalette('Copy VM IP Address');
    await untilPick('Copy the IP address of which runner VM?');
    await ui.choosePick('gitlab-runner-b');
    const vm = store().workers.value!.find((v) => v.name === 'gitlab-runner-b')!;
    const ips = await untilPick('Copy which IP address of gitlab-runner-b?');
    assert.deepEqual(
      ips.items.map((i) => `${i.label} — ${i.description}`),
      [`${vm.internalIp} — internal`, `${vm.externalIp} — external`],
    );
    await ui.choosePick(vm.externalIp!);
    assert.equal(
      await eventually(
        () => Promise.resolve(vscode.env.clipboard.readText()),
        (text) => text === vm.externalIp,
      ),
      vm.externalIp,
    );

    await vscode.commands.executeCommand('runnerOps.openVmInCloudConsole', { vm });
    assert.deepEqual(opened, [
      `https://console.cloud.google.com/compute/instancesDetail/zones/europe-west1-c/instances/gitlab-runner-b?project=${project}`,
    ]);
  });

  test('Sign in while signed in says as whom, and offers another account or server', async () => {
    const result = vscode.commands.executeCommand<{ ok: boolean; message?: string }>('runnerOps.signIn');
    const picker = await untilPick(`Signed in to ${sandbox.url} as @root`);
    assert.equal(picker.placeholder, 'Switch account or server?');
    assert.deepEqual(
      picker.items.map((i) => i.label),
      ['Switch account', 'Switch server', 'Sign out'],
    );
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.deepEqual(await result, { ok: false, message: `Still signed in to ${sandbox.url} as @root.` });
  });

  // Last: it adds pipelines to the demo sandbox.
  test('Load More Pipelines from the palette says when all are shown, else asks which project and lists its next page', async () => {
    await store().refresh('pipelines');
    await ui.clearNotifications();
    await vscode.commands.executeCommand('runnerOps.loadMorePipelines');
    const toasts = await eventually(
      () => ui.notifications(),
      (n) => n.some((t) => /^Every pipeline GitLab has is shown: /.test(t)),
    );
    assert.ok(
      toasts.some((t) => /infra\/runner-fleet \(\d+\)/.test(t)),
      `the message names the projects and their counts: ${toasts.join('\n')}`,
    );

    // 20 more on main: GitLab now lists infra/runner-fleet on two pages of 20.
    const fleet = store().projects.value!.find((p) => p.path === 'infra/runner-fleet')!;
    for (let i = 0; i < 20; i++) {
      const created = await fetch(`${sandbox.url}/api/v4/projects/${fleet.id}/pipeline?ref=main`, {
        method: 'POST',
        headers: { 'PRIVATE-TOKEN': sandbox.gitlabToken },
      });
      assert.equal(created.status, 201);
    }
    store().invalidate();
    await store().refresh('pipelines');
    assert.equal(store().pipelines.get(fleet.id)?.value?.pipelines.length, 20);

    const mark = sandbox.requests.mark();
    await fromPalette('Load More Pipelines');
    const picker = await untilPick('Load older pipelines of which project?');
    assert.deepEqual(
      picker.items.map((i) => `${i.label} — ${i.description}`),
      ['infra/runner-fleet — 20 pipelines shown, older ones in GitLab'],
    );
    await ui.choosePick('infra/runner-fleet');
    await eventually(
      async () => store().pipelines.get(fleet.id)?.value?.pipelines.length ?? 0,
      (n) => n > 20,
    );
    // The project by id or by its encoded path, as the adapter lists it.
    const ofFleet = new RegExp(`^/api/v4/projects/(${fleet.id}|${encodeURIComponent(fleet.path)})/pipelines\\?`);
    const pages = sandbox.requests
      .since(mark)
      .filter((r) => r.method === 'GET' && ofFleet.test(r.path))
      .map((r) => new URL(r.path, sandbox.url).searchParams.get('page'));
    assert.ok(pages.includes('2'), `the second page was asked for: ${JSON.stringify(pages)}`);
  });
});
