// Compute Engine routes of the sandbox, through the real @google-cloud/compute clients.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  InstanceGroupManagersClient,
  InstancesClient,
  InstanceTemplatesClient,
  ZoneOperationsClient,
} from '@google-cloud/compute';
import { fromProto3JSON } from 'proto3-json-serializer';
import { gaxOptions, noRetry, startGoogleOnly, workers, type GoogleOnlySandbox } from '../../sandbox/google/testing';

type Rejection = { code?: number; message?: string };
const ZONE_B = 'europe-west1-b';
const ZONE_C = 'europe-west1-c';

describe('sandbox Compute Engine', () => {
  let sb: GoogleOnlySandbox;
  let instances: InstancesClient;
  let operations: ZoneOperationsClient;
  let templates: InstanceTemplatesClient;
  let groups: InstanceGroupManagersClient;
  let project: string;
  let demoProject: string;

  before(async () => {
    sb = await startGoogleOnly();
    const fleet = workers(3);
    fleet.forEach((w) => sb.gitlab.validTokens.add(w.runnerToken));
    project = sb.google.seed('small', fleet).project;
    demoProject = sb.google.seed('demo', workers(2)).project;
    const opts = gaxOptions(sb.port);
    instances = new InstancesClient(opts);
    operations = new ZoneOperationsClient(opts);
    templates = new InstanceTemplatesClient(opts);
    groups = new InstanceGroupManagersClient(opts);
  });
  after(async () => {
    await Promise.all([instances.close(), operations.close(), templates.close(), groups.close()]);
    await sb.close();
  });

  const names = async (zone: string, filter: string) =>
    (await instances.list({ project, zone, filter }, noRetry))[0].map((i) => i.name).sort();

  it('filters instances with the AIP-160 and regex dialects', async () => {
    assert.deepEqual(await names(ZONE_B, 'labels.role = gitlab-runner'), ['gitlab-runner-1', 'gitlab-runner-3']);
    assert.deepEqual(await names(ZONE_B, 'name = gitlab-runner-1'), ['gitlab-runner-1']);
    assert.deepEqual(await names(ZONE_B, 'name != gitlab-runner-1'), ['gitlab-runner-3']);
    assert.deepEqual(await names(ZONE_B, 'name eq gitlab-runner-[12]'), ['gitlab-runner-1']);
    assert.deepEqual(await names(ZONE_B, "name ne 'gitlab-runner-1'"), ['gitlab-runner-3']);
    assert.deepEqual(await names(ZONE_B, '(labels.role = gitlab-runner) AND (status = RUNNING)'), [
      'gitlab-runner-1',
      'gitlab-runner-3',
    ]);
    assert.deepEqual(await names(ZONE_B, '(name = gitlab-runner-1) OR (name = gitlab-runner-3)'), [
      'gitlab-runner-1',
      'gitlab-runner-3',
    ]);
    assert.deepEqual(await names(ZONE_B, 'name = gitlab-runner-*'), ['gitlab-runner-1', 'gitlab-runner-3']);
    assert.deepEqual(await names(ZONE_B, 'labels.owner:*'), []);
    assert.deepEqual(await names(ZONE_B, 'status = TERMINATED'), []);
  });

  it('rejects malformed filters with 400 invalid', async () => {
    for (const filter of ['labels.role =', '(name = x', 'name eq x AND status = RUNNING', 'just-words']) {
      await assert.rejects(instances.list({ project, zone: ZONE_B, filter }, noRetry), (e: Rejection) => {
        assert.equal(e.code, 3, filter);
        assert.match(String(e.message), /Invalid list filter expression/);
        return true;
      });
    }
  });

  it('pages with maxResults and pageToken', async () => {
    const [page, next, raw] = await instances.list(
      { project, zone: ZONE_B, maxResults: 1 },
      { ...noRetry, autoPaginate: false },
    );
    assert.equal(page.length, 1);
    assert.ok(raw?.nextPageToken);
    assert.ok(next?.pageToken);
    const [rest] = await instances.list({ ...next!, project, zone: ZONE_B }, { ...noRetry, autoPaginate: false });
    assert.notEqual(rest[0].name, page[0].name);
    const all = await instances.list({ project, zone: ZONE_B, maxResults: 1 }, noRetry);
    assert.equal(all[0].length, 2);
  });

  it('aggregates by zone with NO_RESULTS_ON_PAGE for empty zones', async () => {
    const byZone = new Map<string, { instances?: unknown[] | null; warning?: { code?: string | null } | null }>();
    for await (const [zone, scoped] of instances.aggregatedListAsync(
      { project, filter: 'labels.role = gitlab-runner' },
      noRetry,
    ))
      byZone.set(zone, scoped);
    assert.equal(byZone.get(`zones/${ZONE_B}`)?.instances?.length, 2);
    assert.equal(byZone.get(`zones/${ZONE_C}`)?.instances?.length, 1);
    const raw = (await (await fetch(`${sb.url}/compute/v1/projects/${project}/aggregated/instances`)).json()) as {
      items: Record<string, { warning?: { code: string } }>;
    };
    assert.equal(raw.items['zones/us-central1-a'].warning?.code, 'NO_RESULTS_ON_PAGE');
  });

  it('answers 404 notFound like Compute', async () => {
    await assert.rejects(instances.get({ project, zone: ZONE_B, instance: 'nope' }, noRetry), (e: Rejection) => {
      assert.equal(e.code, 5);
      assert.match(
        String(e.message),
        new RegExp(`The resource 'projects/${project}/zones/${ZONE_B}/instances/nope' was not found`),
      );
      return true;
    });
    const res = await fetch(`${sb.url}/compute/v1/projects/${project}/zones/${ZONE_B}/instances/nope`);
    const body = (await res.json()) as { error: { code: number; errors: Array<{ reason: string; domain: string }> } };
    assert.equal(res.status, 404);
    assert.deepEqual(
      [body.error.code, body.error.errors[0].reason, body.error.errors[0].domain],
      [404, 'notFound', 'global'],
    );
  });

  it('answers a project that does not exist with 404 notFound, not an empty list', async () => {
    for (const list of [
      () => instances.list({ project: 'no-such-project', zone: ZONE_B }, noRetry),
      async () => {
        for await (const zone of instances.aggregatedListAsync({ project: 'no-such-project' }, noRetry)) void zone;
      },
      () => templates.list({ project: 'no-such-project' }, noRetry),
    ])
      await assert.rejects(list(), (e: Rejection) => {
        assert.equal(e.code, 5);
        assert.match(String(e.message), /The resource 'projects\/no-such-project' was not found/);
        return true;
      });
    const res = await fetch(`${sb.url}/compute/v1/projects/no-such-project/zones/${ZONE_B}/instances`);
    assert.equal(res.status, 404);
    assert.equal(
      ((await res.json()) as { error: { errors: Array<{ reason: string }> } }).error.errors[0].reason,
      'notFound',
    );
    assert.deepEqual(
      (await instances.list({ project, zone: 'us-east1-b' }, noRetry))[0],
      [],
      "a project's zone without VMs is still an empty list",
    );
  });

  it('inserts from a template; the operation goes PENDING, RUNNING, DONE over simulated time', async () => {
    const [lro] = await instances.insert(
      {
        project,
        zone: ZONE_C,
        sourceInstanceTemplate: `global/instanceTemplates/gitlab-runner-template`,
        instanceResource: { name: 'fresh-1' },
      },
      noRetry,
    );
    const op = lro.latestResponse as unknown as {
      name: string;
      status: string;
      operationType: string;
      targetLink: string;
    };
    assert.equal(op.status, 'PENDING');
    assert.equal(op.operationType, 'insert');
    assert.match(op.targetLink, /\/zones\/europe-west1-c\/instances\/fresh-1$/);
    const [vm] = await instances.get({ project, zone: ZONE_C, instance: 'fresh-1' }, noRetry);
    assert.equal(vm.status, 'PROVISIONING');
    assert.equal(vm.labels?.role, 'gitlab-runner');
    assert.match(String(vm.machineType), /machineTypes\/e2-standard-2$/);
    sb.clock.advance(300);
    assert.equal((await operations.get({ project, zone: ZONE_C, operation: op.name }, noRetry))[0].status, 'RUNNING');
    sb.clock.advance(2_000);
    assert.equal((await instances.get({ project, zone: ZONE_C, instance: 'fresh-1' }, noRetry))[0].status, 'STAGING');
    sb.clock.advance(3_000);
    const [done] = await operations.wait({ project, zone: ZONE_C, operation: op.name }, noRetry);
    assert.equal(done.status, 'DONE');
    assert.equal(done.progress, 100);
    assert.ok(done.endTime && done.startTime && done.insertTime);
    assert.ok(!done.error);
    const [running] = await instances.get({ project, zone: ZONE_C, instance: 'fresh-1' }, noRetry);
    assert.equal(running.status, 'RUNNING');
    assert.ok(running.lastStartTimestamp);
    assert.match(String(running.networkInterfaces?.[0].networkIP), /^10\.132\./);
    assert.match(String(running.id), /^\d+$/);
  });

  it('returns from wait at its bound with the operation still RUNNING', async () => {
    const bound = sb.google.state.compute.operations.waitBound;
    bound.realMs = 150;
    try {
      const [lro] = await instances.insert(
        {
          project,
          zone: ZONE_C,
          sourceInstanceTemplate: 'global/instanceTemplates/gitlab-runner-template',
          instanceResource: { name: 'slow-1' },
        },
        noRetry,
      );
      sb.clock.advance(500);
      const started = Date.now();
      const [op] = await operations.wait(
        { project, zone: ZONE_C, operation: (lro.latestResponse as { name: string }).name },
        noRetry,
      );
      assert.equal(op.status, 'RUNNING');
      assert.ok(Date.now() - started >= 100, 'wait blocked before answering');
    } finally {
      bound.realMs = 30_000;
    }
  });

  it('inserts from a full body without a template', async () => {
    const [lro] = await instances.insert(
      {
        project,
        zone: ZONE_C,
        instanceResource: {
          name: 'plain-vm',
          machineType: `zones/${ZONE_C}/machineTypes/e2-small`,
          labels: { role: 'scratch' },
          disks: [
            {
              boot: true,
              autoDelete: true,
              initializeParams: {
                sourceImage: 'projects/debian-cloud/global/images/family/debian-12',
                diskSizeGb: '20',
              },
            },
          ],
          networkInterfaces: [{ network: 'global/networks/default' }],
        },
      },
      noRetry,
    );
    sb.clock.advance(8_000);
    const [op] = await operations.wait(
      { project, zone: ZONE_C, operation: (lro.latestResponse as { name: string }).name },
      noRetry,
    );
    assert.equal(op.status, 'DONE');
    const [vm] = await instances.get({ project, zone: ZONE_C, instance: 'plain-vm' }, noRetry);
    assert.match(String(vm.machineType), /machineTypes\/e2-small$/);
    assert.equal(vm.disks?.[0].diskSizeGb, '20');
    assert.equal(vm.networkInterfaces?.[0].accessConfigs?.length ?? 0, 0, 'no access config asked, no external IP');
    assert.deepEqual(await names(ZONE_C, 'labels.role = scratch'), ['plain-vm']);
    const [newestFirst] = await instances.list({ project, zone: ZONE_C, orderBy: 'creationTimestamp desc' }, noRetry);
    assert.equal(newestFirst[0].name, 'plain-vm');
    assert.notEqual(
      (await instances.list({ project, zone: ZONE_C }, noRetry))[0][0].name,
      'plain-vm',
      'by name otherwise',
    );
    await assert.rejects(
      instances.list({ project, zone: ZONE_C, orderBy: 'status' }, noRetry),
      (e: Rejection) => e.code === 3,
    );
    await assert.rejects(
      instances.insert({ project, zone: ZONE_C, instanceResource: { name: 'no-type' } }, noRetry),
      (e: Rejection) => e.code === 3,
    );
    await assert.rejects(
      instances.insert(
        { project, zone: ZONE_C, instanceResource: { name: 'Bad_Name', machineType: 'e2-small' } },
        noRetry,
      ),
      (e: Rejection) => e.code === 3,
    );
  });

  it('refuses a duplicate insert with 409 alreadyExists', async () => {
    await assert.rejects(
      instances.insert(
        {
          project,
          zone: ZONE_B,
          sourceInstanceTemplate: 'global/instanceTemplates/gitlab-runner-template',
          instanceResource: { name: 'gitlab-runner-1' },
        },
        noRetry,
      ),
      (e: Rejection) => /The resource '.*instances\/gitlab-runner-1' already exists/.test(String(e.message)),
    );
    const res = await fetch(`${sb.url}/compute/v1/projects/${project}/zones/${ZONE_B}/instances`, {
      method: 'POST',
      body: JSON.stringify({ name: 'gitlab-runner-1', machineType: 'zones/europe-west1-b/machineTypes/e2-small' }),
    });
    assert.equal(res.status, 409);
    assert.equal(
      ((await res.json()) as { error: { errors: Array<{ reason: string }> } }).error.errors[0].reason,
      'alreadyExists',
    );
  });

  it('treats a repeated requestId as the same request', async () => {
    const request = {
      project,
      zone: ZONE_C,
      requestId: '6e0b1c52-7d1f-4d8e-9a54-0f3c7b8d9e10',
      sourceInstanceTemplate: 'global/instanceTemplates/gitlab-runner-template',
      instanceResource: { name: 'idempotent-1' },
    };
    const [first] = await instances.insert(request, noRetry);
    const [retried] = await instances.insert(request, noRetry);
    assert.equal((retried.latestResponse as { name?: string }).name, (first.latestResponse as { name?: string }).name);
    await assert.rejects(
      instances.insert({ ...request, requestId: '0c4f7f8e-2b55-4d1e-8d0e-5f4e3d2c1b0a' }, noRetry),
      /already exists/,
    );
  });

  it('records an operation error when the zone has no capacity', async () => {
    sb.google.state.compute.failNextInsert({
      code: 'ZONE_RESOURCE_POOL_EXHAUSTED',
      message: `The zone 'projects/${project}/zones/${ZONE_B}' does not have enough resources available to fulfill the request.`,
      httpStatus: 503,
      httpMessage: 'SERVICE UNAVAILABLE',
    });
    const [lro] = await instances.insert(
      {
        project,
        zone: ZONE_B,
        sourceInstanceTemplate: 'global/instanceTemplates/gitlab-runner-template',
        instanceResource: { name: 'unlucky' },
      },
      noRetry,
    );
    sb.clock.advance(5_000);
    const [op] = await operations.wait(
      { project, zone: ZONE_B, operation: (lro.latestResponse as { name: string }).name },
      noRetry,
    );
    assert.equal(op.status, 'DONE');
    assert.equal(op.error?.errors?.[0].code, 'ZONE_RESOURCE_POOL_EXHAUSTED');
    await assert.rejects(
      instances.get({ project, zone: ZONE_B, instance: 'unlucky' }, noRetry),
      (e: Rejection) => e.code === 5,
    );
  });

  it('stops, refuses to stop again, starts again', async () => {
    const target = { project, zone: ZONE_B, instance: 'gitlab-runner-3' };
    const before = (await instances.get(target, noRetry))[0];
    assert.ok(before.networkInterfaces?.[0].accessConfigs?.[0].natIP);
    await instances.stop(target, noRetry);
    assert.equal((await instances.get(target, noRetry))[0].status, 'STOPPING');
    sb.clock.advance(5_000);
    const [stopped] = await instances.get(target, noRetry);
    assert.equal(stopped.status, 'TERMINATED');
    assert.ok(stopped.lastStopTimestamp);
    assert.ok(
      !stopped.networkInterfaces?.[0].accessConfigs?.[0].natIP,
      'a stopped VM releases its ephemeral external IP',
    );
    await assert.rejects(
      instances.stop(target, noRetry),
      (e: Rejection) => e.code === 3 && /is not ready/.test(String(e.message)),
    );
    await assert.rejects(instances.reset(target, noRetry), (e: Rejection) => e.code === 3);
    await assert.rejects(
      instances.getSerialPortOutput({ ...target, port: 1 }, noRetry),
      (e: Rejection) => e.code === 3,
      'a stopped VM has no console',
    );
    await instances.start(target, noRetry);
    assert.equal((await instances.get(target, noRetry))[0].status, 'STAGING');
    sb.clock.advance(4_000);
    assert.equal((await instances.get(target, noRetry))[0].status, 'RUNNING');
  });

  it('guards setLabels with the label fingerprint (412 on a stale one)', async () => {
    const target = { project, zone: ZONE_B, instance: 'gitlab-runner-1' };
    const [vm] = await instances.get(target, noRetry);
    const labels = { ...(vm.labels as Record<string, string>), drained: 'true' };
    await assert.rejects(
      instances.setLabels(
        { ...target, instancesSetLabelsRequestResource: { labels, labelFingerprint: 'c3RhbGU=' } },
        noRetry,
      ),
      (e: Rejection) => e.code === 9 && /fingerprint/.test(String(e.message)),
    );
    await instances.setLabels(
      { ...target, instancesSetLabelsRequestResource: { labels, labelFingerprint: vm.labelFingerprint } },
      noRetry,
    );
    const [after] = await instances.get(target, noRetry);
    assert.equal(after.labels?.drained, 'true');
    assert.notEqual(after.labelFingerprint, vm.labelFingerprint);
    await assert.rejects(
      instances.setLabels(
        { ...target, instancesSetLabelsRequestResource: { labels: {}, labelFingerprint: vm.labelFingerprint } },
        noRetry,
      ),
      (e: Rejection) => e.code === 9,
    );
  });

  it('serves instance templates', async () => {
    const [template] = await templates.get({ project, instanceTemplate: 'gitlab-runner-template' }, noRetry);
    assert.equal(template.properties?.machineType, 'e2-standard-2');
    assert.ok(template.properties?.metadata?.items?.some((i) => i.key === 'kms-key'));
    const [list] = await templates.list({ project }, noRetry);
    assert.deepEqual(
      list.map((t) => t.name),
      ['gitlab-runner-template'],
    );
    await assert.rejects(
      templates.get({ project, instanceTemplate: 'missing' }, noRetry),
      (e: Rejection) => e.code === 5,
    );
  });

  it('recreates a managed instance: new id, RECREATING until it runs again', async () => {
    const [list] = await groups.list({ project: demoProject, zone: ZONE_C }, noRetry);
    assert.equal(list.length, 1);
    const igm = list[0];
    assert.equal(igm.targetSize, 1);
    assert.equal(igm.status?.isStable, true);
    const [members] = await groups.listManagedInstances(
      { project: demoProject, zone: ZONE_C, instanceGroupManager: igm.name! },
      noRetry,
    );
    assert.equal(members.length, 1);
    assert.equal(members[0].currentAction, 'NONE');
    const memberName = String(members[0].instance).split('/').pop()!;
    const oldId = (await instances.get({ project: demoProject, zone: ZONE_C, instance: memberName }, noRetry))[0].id;
    await groups.recreateInstances(
      {
        project: demoProject,
        zone: ZONE_C,
        instanceGroupManager: igm.name!,
        instanceGroupManagersRecreateInstancesRequestResource: {
          instances: [`zones/${ZONE_C}/instances/${memberName}`],
        },
      },
      noRetry,
    );
    const [during] = await groups.listManagedInstances(
      { project: demoProject, zone: ZONE_C, instanceGroupManager: igm.name! },
      noRetry,
    );
    assert.equal(during[0].currentAction, 'RECREATING');
    assert.equal(
      (await groups.get({ project: demoProject, zone: ZONE_C, instanceGroupManager: igm.name! }, noRetry))[0].status
        ?.isStable,
      false,
    );
    sb.clock.advance(11_000); // deleted after 4 s, recreated and RUNNING 5 s later
    const [vm] = await instances.get({ project: demoProject, zone: ZONE_C, instance: memberName }, noRetry);
    assert.equal(vm.status, 'RUNNING');
    assert.notEqual(vm.id, oldId);
    const [afterwards] = await groups.listManagedInstances(
      { project: demoProject, zone: ZONE_C, instanceGroupManager: igm.name! },
      noRetry,
    );
    assert.equal(afterwards[0].currentAction, 'NONE');
  });

  it('sends JSON that decodes with the Compute protos', async () => {
    const protos = (instances as unknown as { _protos: { lookupType(name: string): never } })._protos;
    const fetchJson = async (path: string) =>
      (await (await fetch(`${sb.url}/compute/v1/projects/${project}${path}`)).json()) as never;
    const cases: Array<[string, string]> = [
      ['google.cloud.compute.v1.Instance', `/zones/${ZONE_B}/instances/gitlab-runner-1`],
      ['google.cloud.compute.v1.InstanceList', `/zones/${ZONE_B}/instances`],
      ['google.cloud.compute.v1.InstanceAggregatedList', `/aggregated/instances`],
      [
        'google.cloud.compute.v1.SerialPortOutput',
        `/zones/${ZONE_B}/instances/gitlab-runner-1/serialPort?port=1&start=-100`,
      ],
      ['google.cloud.compute.v1.InstanceTemplate', `/global/instanceTemplates/gitlab-runner-template`],
      ['google.cloud.compute.v1.OperationList', `/zones/${ZONE_B}/operations`],
    ];
    const demo = async (path: string, init?: RequestInit) =>
      (await (await fetch(`${sb.url}/compute/v1/projects/${demoProject}${path}`, init)).json()) as never;
    const igm = `/zones/${ZONE_C}/instanceGroupManagers/gitlab-runner-mig`;
    assert.ok(
      fromProto3JSON(protos.lookupType('google.cloud.compute.v1.InstanceGroupManager') as never, await demo(igm)),
    );
    assert.ok(
      fromProto3JSON(
        protos.lookupType('google.cloud.compute.v1.InstanceGroupManagersListManagedInstancesResponse') as never,
        await demo(`${igm}/listManagedInstances`, { method: 'POST' }),
      ),
    );
    for (const [type, path] of cases) {
      const decoded = fromProto3JSON(protos.lookupType(type) as never, await fetchJson(path));
      assert.ok(decoded, type);
    }
  });
});
