// The worker fix (template, then VM) against the sandbox through the real Compute client, with
// the journal store "crashing" at its n-th write for every n (that write and every later one
// lost, as when the extension host dies), then resumed from what was persisted: each time one
// template and one VM, the template inserted once, and no insert refused.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DEFAULT_BOOTSTRAP, type ChecklistInput } from '../../../src/core/checklist';
import { Journals, runOperation } from '../../../src/core/operation';
import {
  WORKER_FIX_KIND,
  workerFixJournal,
  workerFixSteps,
  workerTarget,
  type WorkerFixState,
} from '../../../src/core/worker-fix';
import { WorkerCompute } from '../../../src/gcp/worker';
import type { GoogleSandbox } from '../../sandbox/google/index';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import { crashingStore } from '../core/crashing-store';

let sandbox: Sandbox;
let compute: WorkerCompute;
let input: ChecklistInput;

before(async () => {
  sandbox = await startSandbox({ seed: 'empty' });
  const s = sandbox.settings as Record<string, never>;
  compute = new WorkerCompute({
    gcpProject: s['runnerOps.gcp.project'],
    credentials: 'none',
    endpoints: s['runnerOps.gcp.endpoints'],
  });
  input = {
    gcpProject: s['runnerOps.gcp.project'],
    kmsKey: s['runnerOps.secrets.kmsKey'],
    bucket: s['runnerOps.secrets.bucket'],
    prefix: s['runnerOps.secrets.prefix'],
    now: Date.now(),
    bootstrap: { ...DEFAULT_BOOTSTRAP, zone: (s['runnerOps.gcp.zones'] as string[])[0] },
  };
});
after(async () => {
  await compute.close();
  await sandbox.close();
});

const hooks = { log: () => undefined, report: () => undefined, now: Date.now };
const ports = {
  template: (p: string, n: string) => compute.template(p, n),
  createTemplate: (p: string, spec: Parameters<WorkerCompute['createTemplate']>[1]) => compute.createTemplate(p, spec),
  createVm: (p: string, z: string, n: string, t: string, id?: string) => compute.createVm(p, z, n, t, id),
};
const journalFor = (name: string) =>
  workerFixJournal(
    {
      input: { ...input, bootstrap: { ...input.bootstrap!, workerName: name, templateName: `${name}-template` } },
      gitlabUrl: sandbox.url,
      projects: sandbox.settings['runnerOps.gitlab.projects'] as string[],
    },
    'runnerOps.applyCheckFix',
    `Create the worker ${name}`,
    randomUUID(),
    Date.now(),
  );
const run = (journals: Journals, journal: ReturnType<typeof journalFor>) =>
  runOperation(journals, journal, workerFixSteps(ports), new AbortController().signal, hooks);

test('a crash at every persisted point, then a resume: one template, one VM, nothing refused', async () => {
  const probe = crashingStore();
  assert.deepEqual(await run(new Journals(probe.store), journalFor('w-probe')), { outcome: 'done' });
  const points = probe.writes();
  assert.equal(points, 4, 'saves: start, template done, VM done, discard');

  const google = sandbox.world.google as GoogleSandbox;
  for (let crashAt = 1; crashAt <= points; crashAt++) {
    const name = `w-crash-${crashAt}`;
    const mark = sandbox.requests.mark();
    const crash = crashingStore(crashAt);
    const first = journalFor(name);
    await assert.rejects(run(new Journals(crash.store), first), /crashed at write/);
    // A new process: the journal that survived is resumed; none survived, the fix is applied again.
    crash.revive();
    const journals = new Journals(crash.store);
    const journal = journals.find<WorkerFixState>(WORKER_FIX_KIND, workerTarget(first.state)) ?? journalFor(name);
    assert.deepEqual(await run(journals, journal), { outcome: 'done' }, `crash at write ${crashAt}`);
    const requests = sandbox.requests.since(mark).filter((r) => r.method === 'POST');
    assert.deepEqual(
      requests.filter((r) => r.status >= 300).map((r) => `${r.path} ${r.status}`),
      [],
      `crash at write ${crashAt}: no insert refused`,
    );
    assert.equal(
      requests.filter((r) => r.path.endsWith('/global/instanceTemplates')).length,
      1,
      `crash at write ${crashAt}: the template inserted once`,
    );
    assert.equal(
      [...google.state.compute.vms.values()].filter((v) => v.name === name).length,
      1,
      `crash at write ${crashAt}: one VM`,
    );
    assert.equal(crash.map.size, 0, 'the journal is gone once done');
  }
});
