// The re-provision steps against a small fake world on an injected clock: what reached Compute
// and GitLab, in which order, what the log said, and where a stopped run leaves everything.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Journals, runOperation, type Journal, type OperationOutcome } from '../../../src/core/operation';
import { CLAIM_LABEL, type WorkerInstance } from '../../../src/core/ports';
import { defaultOptions } from '../../../src/core/reprovision/options';
import {
  reprovisionSteps,
  smokeSentence,
  type ReprovisionDeps,
  type ReprovisionState,
} from '../../../src/core/reprovision/steps';
import { planMarkdown, templateSwitch } from '../../../src/core/reprovision/plan';
import {
  imageTagProblem,
  impliedVersion,
  metadataAfter,
  versionChange,
  versionLine,
} from '../../../src/core/reprovision/version';
import { FakeClock } from './fake-clock';
import { crashingStore } from './crashing-store';
import { B, depsFor, job, journalFor, memoryJournals, METADATA, run, world } from './reprovision-world';

test('a full re-provision: verify secrets, pause, recreate from the template, boot, check-in, resume', async () => {
  const clock = new FakeClock();
  const w = world(clock);
  const journal = journalFor([B]);
  const { outcome, log } = await run(clock, depsFor(clock, w), journal);
  assert.deepEqual(outcome, { outcome: 'done' });
  assert.deepEqual(w.calls, [
    'verify gs://b/runners/deploy-key.enc',
    'verify gs://b/runners/worker-b/config.toml.enc',
    'claim worker-b',
    'pause #2',
    'delete z-b/worker-b',
    'insert z-b/worker-b from tmpl labels={"role":"gitlab-runner"}',
    'resume #2',
  ]);
  assert.ok(
    log.some((l) => /startup-script exit status 0/.test(l)),
    'the completion line is streamed',
  );
  assert.ok(
    log.some((l) =>
      /runner #2 'worker-b' checked in from 10\.0\.0\.9 as manager s_200 \(gitlab-runner 17\.11\.0\)/.test(l),
    ),
  );
  assert.ok(log.some((l) => /Smoke test: no smoke test configured/.test(l)));
  assert.ok(journal.state.times.checkIn?.endedAt, 'step times are kept for the audit');
});

test('refused when it would take the last online runner for a tag offline; accepted, it goes on', async () => {
  const clock = new FakeClock();
  const w = world(clock);
  w.runners.get(1)!.status = 'offline';
  const refused = await run(clock, depsFor(clock, w), journalFor([B]));
  assert.equal(refused.outcome.outcome, 'failed');
  assert.match((refused.outcome as { error: Error }).error.message, /^Refused: no other online runner serves gcp/);
  assert.ok(!w.calls.includes('pause #2'), 'nothing changed');
  const accepted = await run(clock, depsFor(clock, w), journalFor([B], true));
  assert.deepEqual(accepted.outcome, { outcome: 'done' });
  assert.ok(accepted.log.some((l) => /accepted that nobody serves gcp/.test(l)));
});

test('a bad runner token in config.toml stops the preflight before anything changes', async () => {
  const clock = new FakeClock();
  const w = world(clock);
  w.secrets.runnerTokens = async () => ['glrt-stale'];
  const { outcome } = await run(clock, depsFor(clock, w), journalFor([B]));
  assert.match(
    (outcome as { error: Error }).error.message,
    /GitLab refuses runner token 1 of 1 in gs:\/\/b\/runners\/worker-b\/config\.toml\.enc/,
  );
  assert.ok(!w.calls.some((c) => c.startsWith('pause')));
});

test('a running job is waited for, not killed', async () => {
  const clock = new FakeClock();
  const w = world(clock, { runningJobs: [job(7)] });
  clock.setTimeout(() => w.finishJobs(), 30_000);
  const { outcome, log } = await run(clock, depsFor(clock, w), journalFor([B]));
  assert.deepEqual(outcome, { outcome: 'done' });
  assert.ok(log.some((l) => /waiting for 1 running job: #7 plan \(infra\/fleet\)/.test(l)));
  assert.ok(!w.calls.some((c) => c.startsWith('cancel')));
  assert.ok(w.calls.indexOf('delete z-b/worker-b') > 0);
});

test('drain timeout: "stop here" leaves the runner paused and says so; "cancel" cancels; "wait" waits another round', async () => {
  const clock = new FakeClock();
  const stopped = world(clock, { runningJobs: [job(7)] });
  const { outcome } = await run(clock, depsFor(clock, stopped, ['stop']), journalFor([B]));
  assert.match(
    (outcome as { error: Error }).error.message,
    /stopped by the operator with 1 job still running \(#7 plan \(infra\/fleet\)\)\. Runner #2 'worker-b' stays paused/,
  );
  assert.deepEqual(stopped.calls.slice(-2), ['pause #2', 'release worker-b'], 'the VM is free for the next run');
  assert.equal(stopped.runners.get(2)!.paused, true);

  const cancelled = world(clock, { runningJobs: [job(7)] });
  assert.deepEqual((await run(clock, depsFor(clock, cancelled, ['wait', 'cancel']), journalFor([B]))).outcome, {
    outcome: 'done',
  });
  assert.ok(cancelled.calls.includes('cancel job #7'));
});

test('a failed boot stops at step 5 with the failure line and the runner left paused', async () => {
  const clock = new FakeClock();
  const w = world(clock, {
    bootLine: 'startup-script: ERROR: (gcloud.kms.decrypt) bad\r\nstartup-script exit status 1',
    checkIn: false,
  });
  const journal = journalFor([B]);
  const { outcome } = await run(clock, depsFor(clock, w), journal);
  assert.equal(outcome.outcome, 'failed');
  assert.equal((outcome as { step: string }).step, 'boot');
  assert.match(
    (outcome as { error: Error }).error.message,
    /the startup script failed on worker-b: "startup-script exit status 1"\. Runner #2 'worker-b' is paused; VM worker-b has been recreated \(instance 200, 10\.0\.0\.9\)\./,
  );
  assert.ok(!w.calls.includes('resume #2'));
});

test('a run interrupted after the recreate resumes without deleting the new VM', async () => {
  const clock = new FakeClock();
  const w = world(clock);
  const journals = memoryJournals();
  const journal = journalFor([B]);
  const abort = new AbortController();
  const deps = depsFor(clock, w);
  // Cancel as soon as the recreate is done (the boot step's first poll).
  const instance = w.compute.instance;
  w.compute.instance = async (...args) => {
    if (journal.done.includes('recreate')) abort.abort();
    return instance(...args);
  };
  const first = await run(clock, deps, journal, journals, abort.signal);
  assert.equal(first.outcome.outcome, 'cancelled');
  const saved = journals.find<ReprovisionState>('reprovision', 'worker-b')!;
  assert.deepEqual(saved.done, ['preflight', 'pause', 'drain', 'recreate']);
  w.compute.instance = instance;
  const second = await run(clock, depsFor(clock, w), saved, journals);
  assert.deepEqual(second.outcome, { outcome: 'done' });
  assert.equal(w.calls.filter((c) => c.startsWith('delete')).length, 1, 'deleted once');
  assert.equal(w.calls.filter((c) => c.startsWith('insert')).length, 1, 'inserted once');
  assert.equal(journals.find('reprovision', 'worker-b'), undefined, 'finished: the journal is gone');
});

test('after a failed boot, running again recreates the failed instance and goes on', async () => {
  const clock = new FakeClock();
  const journals = memoryJournals();
  const bad = world(clock, { bootLine: 'startup-script exit status 1', checkIn: false });
  const journal = journalFor([B]);
  assert.equal((await run(clock, depsFor(clock, bad), journal, journals)).outcome.outcome, 'failed');
  const saved = journals.find<ReprovisionState>('reprovision', 'worker-b')!;
  assert.deepEqual(saved.done, ['preflight', 'pause', 'drain']);
  // The operator fixed the secret: the same VM (instance 200) boots well once recreated.
  const good = world(clock);
  const failed = bad.vm()!;
  good.compute.instance = async () => good.vm() ?? undefined;
  await good.compute.insertFromTemplate(failed.zone, failed.name, 'tmpl', failed);
  await clock.advance(10_000);
  good.calls.length = 0;
  saved.state.vm.id = good.vm()!.id;
  const second = await run(clock, depsFor(clock, good), saved, journals);
  assert.deepEqual(second.outcome, { outcome: 'done' });
  assert.deepEqual(good.calls.slice(0, 3), [
    'claim worker-b',
    'delete z-b/worker-b',
    'insert z-b/worker-b from tmpl labels={"role":"gitlab-runner"}',
  ]);
});

test('an upgrade: the new VM gets the chosen image tag and its runner reports the version the tag names', async () => {
  const clock = new FakeClock();
  const w = world(clock);
  const journal = journalFor([B]);
  const metadata = metadataAfter(METADATA, undefined, 'runner-image-tag', 'v17.11.1');
  journal.state.metadata = metadata;
  journal.state.version = versionChange('runner-image-tag', METADATA, metadata);
  const { outcome, log } = await run(clock, depsFor(clock, w), journal);
  assert.deepEqual(outcome, { outcome: 'done' });
  assert.equal(w.vm()?.metadata.find((m) => m.key === 'runner-image-tag')?.value, 'v17.11.1');
  assert.ok(
    log.some((l) =>
      /checked in from 10\.0\.0\.9 as manager s_200 \(gitlab-runner 17\.11\.1, as v17\.11\.1 implies\)/.test(l),
    ),
    log.join('\n'),
  );
});

test('a runner that checks in with another version than the tag names stops step 6, paused, and says where to look', async () => {
  const clock = new FakeClock();
  const w = world(clock);
  const journal = journalFor([B]);
  // The tag was meant to change, but the metadata the VM got still names the old one.
  journal.state.version = { key: 'runner-image-tag', before: 'v17.11.0', after: 'v17.11.1', expected: '17.11.1' };
  const { outcome } = await run(clock, depsFor(clock, w), journal);
  assert.equal(outcome.outcome, 'failed');
  assert.equal(journal.stopped?.step, 'checkIn');
  assert.match(
    journal.stopped?.message ?? '',
    /runner #2 'worker-b' checked in from worker-b as gitlab-runner 17\.11\.0, but image tag v17\.11\.1 means 17\.11\.1\. Runner #2 'worker-b' is paused; VM worker-b has been recreated .*runner-image-tag metadata/,
  );
  assert.equal(w.runners.get(2)?.paused, true);
});

test('the new metadata: a chosen tag replaces or adds the key; a chosen template wins for the keys it defines', () => {
  const old = [
    { key: 'kms-key', value: 'k1' },
    { key: 'runner-image-tag', value: 'v17.11.0' },
    { key: 'team', value: 'ci' },
  ];
  assert.deepEqual(metadataAfter(old, undefined, 'runner-image-tag', undefined), old);
  assert.deepEqual(
    metadataAfter(old, undefined, 'runner-image-tag', 'alpine-v17.11.1').find((i) => i.key === 'runner-image-tag'),
    { key: 'runner-image-tag', value: 'alpine-v17.11.1' },
  );
  assert.deepEqual(metadataAfter([{ key: 'a', value: '1' }], undefined, 'tag', 'v1.2.3'), [
    { key: 'a', value: '1' },
    { key: 'tag', value: 'v1.2.3' },
  ]);
  const template = [
    { key: 'kms-key', value: 'k2' },
    { key: 'runner-image-tag', value: 'v17.12.0' },
  ];
  const after = metadataAfter(old, template, 'runner-image-tag', undefined);
  assert.deepEqual(after, [...template, { key: 'team', value: 'ci' }]);
  const change = versionChange('runner-image-tag', old, after);
  assert.deepEqual(change, { key: 'runner-image-tag', before: 'v17.11.0', after: 'v17.12.0', expected: '17.12.0' });
  assert.equal(versionLine(change), 'v17.11.0 (gitlab-runner 17.11.0) → v17.12.0 (gitlab-runner 17.12.0)');
  assert.equal(versionLine(versionChange('runner-image-tag', old, old)), 'v17.11.0 (gitlab-runner 17.11.0), unchanged');
  assert.equal(versionChange('runner-image-tag', [], []).expected, undefined);
  assert.equal(impliedVersion('latest'), undefined);
  assert.equal(impliedVersion('ubuntu-v16.9.2'), '16.9.2');
  assert.equal(imageTagProblem('v17.11.1'), undefined);
  assert.match(imageTagProblem('v17 .11') ?? '', /"v17 \.11" is not an image tag/);
  assert.match(imageTagProblem('-x') ?? '', /not starting with/);
});

test('the plan shows the runner version before and after, and that step 6 checks it', () => {
  const options = defaultOptions();
  const metadata = metadataAfter(METADATA, undefined, 'runner-image-tag', 'v17.11.1');
  const text = planMarkdown(
    {
      vm: { id: '100', name: 'worker-b', zone: 'z-b', status: 'RUNNING', labels: {}, metadata: METADATA },
      via: { kind: 'template', template: 'tmpl' },
      runners: [],
      others: [],
      runningJobs: [],
      orphanedTags: [],
      version: versionChange('runner-image-tag', [{ key: 'runner-image-tag', value: 'v17.11.0' }], metadata),
      metadata,
    },
    options,
  );
  assert.match(
    text,
    /- \*\*Runner version\*\* \(metadata `runner-image-tag`\): v17\.11\.0 \(gitlab-runner 17\.11\.0\) → v17\.11\.1 \(gitlab-runner 17\.11\.1\)/,
  );
  assert.match(text, /after the recreate, reporting gitlab-runner 17\.11\.1, up to 5 min/);
});

/** Like `run`, for a run that may die with its extension host: undefined when it crashed. */
async function runUntilCrash(
  clock: FakeClock,
  deps: ReprovisionDeps,
  journal: Journal<ReprovisionState>,
  journals: Journals,
): Promise<OperationOutcome | undefined> {
  let ended: { outcome?: OperationOutcome } | undefined;
  void runOperation(journals, journal, reprovisionSteps(deps), new AbortController().signal, {
    log: () => undefined,
    report: () => undefined,
    now: () => clock.now(),
  }).then(
    (outcome) => (ended = { outcome }),
    () => (ended = {}),
  );
  for (let i = 0; i < 3_600 && !ended; i++) await clock.advance(1_000);
  assert.ok(ended, 'the run ended');
  return ended.outcome;
}

test('the extension host dies at every persisted point, after every step: resumed, the runner is back on a VM recreated once', async () => {
  // Count the journal writes of a run that does not die, then die at each one in turn.
  const probeClock = new FakeClock();
  const probe = crashingStore();
  const probeWorld = world(probeClock);
  const probeOutcome = await runUntilCrash(
    probeClock,
    depsFor(probeClock, probeWorld),
    journalFor([B]),
    new Journals(probe.store),
  );
  assert.deepEqual(probeOutcome, { outcome: 'done' });
  const points = probe.writes();
  assert.ok(points >= 8 + 2, `a write after each of the 8 steps, and more (${points})`);

  for (let crashAt = 1; crashAt <= points; crashAt++) {
    const clock = new FakeClock();
    const w = world(clock);
    const crash = crashingStore(crashAt);
    assert.equal(
      await runUntilCrash(clock, depsFor(clock, w), journalFor([B]), new Journals(crash.store)),
      undefined,
      `crash at write ${crashAt}`,
    );
    // A new extension host: the journal that survived is resumed (as the activation offer does);
    // none survived, so nothing had changed and the operator runs it again from the start.
    crash.revive();
    const journals = new Journals(crash.store);
    const journal = journals.find<ReprovisionState>('reprovision', 'worker-b') ?? journalFor([B]);
    const done = journal.done.length;
    const outcome = await runUntilCrash(clock, depsFor(clock, w), journal, journals);
    const at = `crash at write ${crashAt} (after ${done} steps)`;
    assert.deepEqual(outcome, { outcome: 'done' }, at);
    assert.equal(w.calls.filter((c) => c.startsWith('delete')).length, 1, `${at}: deleted once`);
    assert.equal(w.calls.filter((c) => c.startsWith('insert')).length, 1, `${at}: inserted once`);
    assert.equal(w.calls.at(-1), 'resume #2', `${at}: resumed last`);
    assert.equal(w.runners.get(2)!.paused, false, `${at}: the runner takes jobs again`);
    assert.equal(w.vm()?.id, '200', `${at}: on the new VM`);
    assert.equal(w.vm()?.status, 'RUNNING');
    assert.equal(crash.map.size, 0, `${at}: finished, nothing left to resume`);
  }
});

test('a newer template named in the setting is a switch: the plan shows both, the VM’s own template is not', () => {
  const vm: WorkerInstance = { id: '1', name: 'b', zone: 'z', status: 'RUNNING', labels: {}, metadata: METADATA };
  const via = { kind: 'template' as const, template: 'tmpl-v2' };
  assert.deepEqual(templateSwitch(vm, via, 'tmpl-v2', ['tmpl', 'tmpl-v2']), { before: undefined, after: 'tmpl-v2' });
  assert.deepEqual(templateSwitch({ ...vm, template: 'tmpl' }, via, 'tmpl-v2', ['tmpl', 'tmpl-v2']), {
    before: 'tmpl',
    after: 'tmpl-v2',
  });
  assert.deepEqual(templateSwitch(vm, via, 'tmpl-v2', ['tmpl']), { before: 'tmpl', after: 'tmpl-v2' });
  assert.equal(templateSwitch({ ...vm, template: 'tmpl-v2' }, via, 'tmpl-v2', ['tmpl', 'tmpl-v2']), undefined);
  assert.equal(templateSwitch(vm, { kind: 'template', template: 'tmpl' }, '', ['tmpl']), undefined, 'none chosen');
  assert.equal(templateSwitch(vm, { kind: 'group', group: 'g' }, 'tmpl-v2', ['tmpl', 'tmpl-v2']), undefined);

  const text = planMarkdown(
    {
      vm: { ...vm, name: 'worker-b' },
      via,
      templateSwitch: { before: 'tmpl', after: 'tmpl-v2' },
      runners: [],
      others: [],
      runningJobs: [],
      orphanedTags: [],
      version: { key: 'runner-image-tag', before: 'v17.11.0', after: 'v17.12.0', expected: '17.12.0' },
    },
    defaultOptions(),
  );
  assert.match(
    text,
    /Recreated from\*\* a newer instance template: `tmpl` → `tmpl-v2`: deleted, then inserted from `tmpl-v2` with the same name, zone and labels; the new template's metadata replaces the VM's/,
  );
  assert.match(text, /v17\.11\.0 \(gitlab-runner 17\.11\.0\) → v17\.12\.0 \(gitlab-runner 17\.12\.0\)/);
  assert.match(text, /`sourceInstanceTemplate=tmpl-v2`/);
});

test('the smoke test: its pipeline passed on the re-provisioned runner, or only on another one, is said', () => {
  const state = journalFor([B]).state;
  assert.equal(smokeSentence(state), '');
  state.smokePipeline = {
    projectId: 5,
    id: 41,
    webUrl: 'http://gitlab/p/-/pipelines/41',
    status: 'success',
    jobsOnRunner: 2,
  };
  assert.equal(
    smokeSentence(state),
    "Smoke pipeline #41 passed with 2 jobs on runner #2 'worker-b': http://gitlab/p/-/pipelines/41.",
  );
  state.smokePipeline.jobsOnRunner = 0;
  assert.equal(
    smokeSentence(state),
    'Smoke pipeline #41 passed, but on another runner: http://gitlab/p/-/pipelines/41.',
  );
});

test('two windows re-provision the same VM at once: one recreates it once, the other is refused and says why', async () => {
  const clock = new FakeClock();
  const w = world(clock);
  const [first, second] = [journalFor([B]), journalFor([B])];
  const runs = await Promise.all([
    run(clock, depsFor(clock, w), first, memoryJournals()),
    run(clock, depsFor(clock, w), second, memoryJournals()),
  ]);
  const outcomes = runs.map((r) => r.outcome.outcome).sort();
  assert.deepEqual(outcomes, ['done', 'failed']);
  const refused = runs.find((r) => r.outcome.outcome === 'failed')!;
  const winner = [first, second].find((j) => j.done.includes('smoke'))!;
  assert.match(
    (refused.outcome as { error: Error }).error.message,
    new RegExp(
      `^Refused: worker-b is being re-provisioned by another run \\(label ${CLAIM_LABEL}=${winner.state.runId} `,
    ),
  );
  assert.equal(w.calls.filter((c) => c.startsWith('delete')).length, 1, 'deleted once');
  assert.equal(w.calls.filter((c) => c.startsWith('insert')).length, 1, 'inserted once');
  assert.equal(w.calls.filter((c) => c === 'resume #2').length, 1, 'resumed once, by the run that paused it');
  assert.equal(w.runners.get(2)!.paused, false);
  assert.equal(w.vm()!.labels[CLAIM_LABEL], undefined, 'the new VM carries no claim');
});

test('a runner paused by someone else after the plan was made: refused at the preflight, nothing changed', async () => {
  const clock = new FakeClock();
  const w = world(clock);
  const journal = journalFor([B]);
  w.runners.get(2)!.paused = true; // another window's re-provision paused it after this plan
  const { outcome } = await run(clock, depsFor(clock, w), journal);
  assert.equal(
    (outcome as { error: Error }).error.message,
    "Refused: runner #2 'worker-b' was paused by someone else after this plan was made (another window re-provisioning worker-b, or a person). Nothing was changed. Let that finish, then run the command again: the new plan starts from what is there now.",
  );
  assert.deepEqual(
    w.calls.filter((c) => !c.startsWith('verify')),
    [],
  );
});

test('the VM recreated by someone else after the plan: refused at the preflight, before anything changes', async () => {
  const clock = new FakeClock();
  const w = world(clock);
  const journal = journalFor([B]);
  await w.compute.deleteInstance('z-b', 'worker-b');
  await w.compute.insertFromTemplate('z-b', 'worker-b', 'tmpl', { labels: {}, metadata: METADATA });
  w.calls.length = 0;
  const { outcome } = await run(clock, depsFor(clock, w), journal);
  assert.equal(
    (outcome as { error: Error }).error.message,
    'Refused: worker-b is no longer instance 100 (it is instance 200 now): someone else deleted or recreated it after this plan was made. Nothing was changed by this run. Run the command again for a plan of what is there now.',
  );
  assert.deepEqual(
    w.calls.filter((c) => !c.startsWith('verify')),
    [],
  );
});
