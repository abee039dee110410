import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { correlate, jobHost } from '../../../src/core/correlate';
import { PACE } from '../../../src/core/pace';

const BOOT_GRACE_MS = PACE.correlation.bootGraceMs;
import type { Job, Runner, RunnerManager, WorkerVm } from '../../../src/core/model';

// Shapes as the adapters decode them from GitLab 18 (runner-level ip/version blank, per-host data
// on /runners/:id/managers) and from Compute (ids as int64 strings).
const now = Date.parse('2025-06-02T09:00:00Z');
const MIN = 60_000;
const H = 60 * MIN;
const D = 24 * H;

let nextVmId = 4_781_203_559_120_447_001n;

function vm(name: string, internalIp: string | undefined, extra: Partial<WorkerVm> = {}): WorkerVm {
  return {
    id: String(nextVmId++),
    name,
    zone: 'europe-west1-b',
    status: 'RUNNING',
    machineType: 'e2-standard-4',
    internalIp,
    labels: { role: 'gitlab-runner' },
    lastStartedAt: now - 3 * D,
    selfLink: `https://www.googleapis.com/compute/v1/projects/ci-utility-123/zones/${extra.zone ?? 'europe-west1-b'}/instances/${name}`,
    ...extra,
  };
}

function manager(
  systemId: string,
  ipAddress: string,
  contactedAgoMs: number | undefined,
  status?: string,
): RunnerManager {
  return {
    systemId,
    ipAddress,
    version: '18.0.2',
    platform: 'linux',
    architecture: 'amd64',
    executor: 'shell',
    contactedAt: contactedAgoMs === undefined ? undefined : now - contactedAgoMs,
    status:
      status ??
      (contactedAgoMs === undefined
        ? 'never_contacted'
        : contactedAgoMs < 2 * H
          ? 'online'
          : contactedAgoMs < 7 * D
            ? 'offline'
            : 'stale'),
  };
}

function runner(
  id: number,
  description: string,
  managers: RunnerManager[] | undefined,
  extra: Partial<Runner> = {},
): Runner {
  const contacts = (managers ?? []).map((m) => m.contactedAt).filter((t): t is number => t !== undefined);
  const contactedAt = contacts.length ? Math.max(...contacts) : undefined;
  return {
    id,
    description,
    status: contactedAt === undefined ? 'never_contacted' : now - contactedAt < 2 * H ? 'online' : 'offline',
    paused: false,
    type: 'project_type',
    tags: ['gcp', 'shell'],
    runUntagged: false,
    locked: true,
    contactedAt,
    ipAddress: '', // blank since GitLab 17
    version: '', // blank since GitLab 18
    managers,
    ...extra,
  };
}

const euA = vm('gitlab-runner-eu-1', '10.132.0.5', { externalIp: '34.76.201.14' });
const euB = vm('gitlab-runner-eu-2', '10.132.0.6', { externalIp: '35.195.88.2' });

test('a manager whose IP is a VM internal IP links runner and VM, and says how', () => {
  const r = runner(12, 'gitlab-runner-eu-1', [manager('s_0a1b2c3d4e5f', '10.132.0.5', 40_000)]);
  const links = correlate({ vms: [euA, euB], runners: [r] });
  assert.deepEqual(
    links.vmsOfRunner(12).map((v) => v.name),
    ['gitlab-runner-eu-1'],
  );
  assert.deepEqual(
    links.runnersOfVm(euA.id).map((x) => x.id),
    [12],
  );
  assert.deepEqual(links.runnersOfVm(euB.id), []);
  assert.equal(links.how(12, euA.id), 'matched by manager IP 10.132.0.5');
  assert.equal(links.link(12, euA.id)?.manager?.systemId, 's_0a1b2c3d4e5f');
});

test('a manager seen from its external IP (GitLab outside the VPC) links too', () => {
  // Description names the other VM: the IP rule comes first.
  const r = runner(12, 'gitlab-runner-eu-2', [manager('s_0a1b2c3d4e5f', '34.76.201.14', 40_000)]);
  const links = correlate({ vms: [euA, euB], runners: [r] });
  assert.deepEqual(links.vmsOfRunner(12), [euA]);
  assert.equal(links.link(12, euA.id)?.rule, 'manager-ip');
});

test('behind Cloud NAT the IP matches no VM, and a known system id links instead', () => {
  const r = runner(12, 'shell runner', [manager('s_0a1b2c3d4e5f', '35.205.12.200', 40_000)]);
  const links = correlate({ vms: [euA, euB], runners: [r], systemIdsByVm: new Map([[euB.id, ['s_0a1b2c3d4e5f']]]) });
  assert.deepEqual(links.vmsOfRunner(12), [euB]);
  assert.equal(links.how(12, euB.id), 'matched by system id s_0a1b2c3d4e5f');
  assert.equal(links.vmOfSystemId('s_0a1b2c3d4e5f'), euB);
});

test('without manager data, the VM name in the description links, as a whole token only', () => {
  const one = vm('ci-runner-1', '10.132.0.7');
  const ten = vm('ci-runner-10', '10.132.0.8');
  const runners = [
    runner(21, 'runner on ci-runner-10', undefined),
    runner(22, 'ci-runner-1', undefined),
    runner(23, 'ci-runner-1-old', undefined),
    runner(24, 'CI-Runner-1.europe-west1-b.c.ci-utility-123.internal', undefined),
  ];
  const links = correlate({ vms: [one, ten], runners });
  assert.deepEqual(links.vmsOfRunner(21), [ten]);
  assert.deepEqual(links.vmsOfRunner(22), [one]);
  assert.deepEqual(links.vmsOfRunner(23), [], '"ci-runner-1-old" is another name, not ci-runner-1');
  assert.deepEqual(links.vmsOfRunner(24), [one], 'a hostname in any case names the VM');
  assert.equal(links.how(21, ten.id), "matched by name ci-runner-10 in the runner's description");
});

test('two VMs with the same name in different zones: the description is ambiguous and links neither', () => {
  const west = vm('ci-runner-b', '10.132.0.9', { zone: 'europe-west1-b' });
  const north = vm('ci-runner-b', '10.166.0.3', { zone: 'europe-north1-a' });
  const links = correlate({ vms: [west, north], runners: [runner(12, 'runner on ci-runner-b', undefined)] });
  assert.deepEqual(links.vmsOfRunner(12), []);
  assert.deepEqual(links.runnersOfVm(west.id), []);
  assert.match(
    links.ambiguity(12) ?? '',
    /fits 2 VMs \(ci-runner-b in europe-west1-b, ci-runner-b in europe-north1-a\)/,
  );
});

test('the same internal IP in two networks is ambiguous, so the system id decides', () => {
  const prod = vm('runner-prod', '10.128.0.2');
  const staging = vm('runner-staging', '10.128.0.2', { zone: 'europe-west4-a' });
  const r = runner(30, 'shared', [manager('s_9f8e7d6c5b4a', '10.128.0.2', 10_000)]);
  assert.deepEqual(correlate({ vms: [prod, staging], runners: [r] }).vmsOfRunner(30), []);
  assert.match(
    correlate({ vms: [prod, staging], runners: [r] }).ambiguity(30) ?? '',
    /Manager IP 10\.128\.0\.2 fits 2 VMs/,
  );
  const known = correlate({
    vms: [prod, staging],
    runners: [r],
    systemIdsByVm: new Map([[staging.id, ['s_9f8e7d6c5b4a']]]),
  });
  assert.deepEqual(known.vmsOfRunner(30), [staging]);
  assert.equal(known.ambiguity(30), undefined);
});

test('the deprecated runner-level IP is the last resort (GitLab 16 and older)', () => {
  const r = runner(40, 'legacy docker runner', undefined, { ipAddress: '10.132.0.6' });
  const links = correlate({ vms: [euA, euB], runners: [r] });
  assert.deepEqual(links.vmsOfRunner(40), [euB]);
  assert.equal(links.link(40, euB.id)?.rule, 'runner-ip');
  assert.match(links.how(40, euB.id) ?? '', /deprecated/);
});

test('a runner with managers on two VMs is hosted by both', () => {
  const r = runner(12, 'eu pool', [
    manager('s_0a1b2c3d4e5f', '10.132.0.5', 20_000),
    manager('s_1b2c3d4e5f60', '10.132.0.6', 50_000),
  ]);
  const links = correlate({ vms: [euA, euB], runners: [r] });
  assert.deepEqual(
    links
      .vmsOfRunner(12)
      .map((v) => v.name)
      .sort(),
    ['gitlab-runner-eu-1', 'gitlab-runner-eu-2'],
  );
  assert.deepEqual(
    links.runnersOfVm(euB.id).map((x) => x.id),
    [12],
  );
});

test('several runners registered in one config.toml share the host and all link to its VM', () => {
  const shell = runner(12, 'eu-1 shell', [manager('s_0a1b2c3d4e5f', '10.132.0.5', 5_000)]);
  const docker = runner(13, 'eu-1 docker', [manager('s_0a1b2c3d4e5f', '10.132.0.5', 3 * H)]);
  const links = correlate({ vms: [euA], runners: [shell, docker] });
  assert.deepEqual(
    links.runnersOfVm(euA.id).map((x) => x.id),
    [12, 13],
    'same system id: same process, kept however old',
  );
});

test('an IP reused after a re-provision belongs to the host that contacted GitLab most recently', () => {
  const old = runner(7, 'gitlab-runner-eu-1 (before rebuild)', [manager('s_77aa88bb99cc', '10.132.0.5', 9 * D)]);
  const fresh = runner(15, 'gitlab-runner-eu-1', [manager('s_0a1b2c3d4e5f', '10.132.0.5', 30_000)]);
  const links = correlate({ vms: [euA], runners: [old, fresh] });
  assert.deepEqual(
    links.runnersOfVm(euA.id).map((x) => x.id),
    [15],
  );
  assert.deepEqual(links.vmsOfRunner(7), []);
});

test("a runner's stale manager gives way to its current one on the same VM", () => {
  const r = runner(12, 'eu-1', [
    manager('s_77aa88bb99cc', '10.132.0.5', 5 * D),
    manager('s_0a1b2c3d4e5f', '10.132.0.5', 30_000),
  ]);
  const links = correlate({ vms: [euA], runners: [r] });
  assert.equal(links.link(12, euA.id)?.manager?.systemId, 's_0a1b2c3d4e5f');
  assert.deepEqual(links.vmWarnings(euA, now), []);
});

test('two runner processes with their own system ids on one VM, both recently in contact, both link', () => {
  const a = runner(12, 'container a', [manager('s_0a1b2c3d4e5f', '10.132.0.5', 5_000)]);
  const b = runner(13, 'container b', [manager('s_5f4e3d2c1b0a', '10.132.0.5', 90 * MIN)]);
  assert.deepEqual(
    correlate({ vms: [euA], runners: [a, b] })
      .runnersOfVm(euA.id)
      .map((x) => x.id),
    [12, 13],
  );
});

test('a runner with no ip, no managers and an unrelated description links nowhere, without ambiguity', () => {
  const links = correlate({ vms: [euA], runners: [runner(50, 'macbook of jane', undefined)] });
  assert.deepEqual(links.vmsOfRunner(50), []);
  assert.equal(links.ambiguity(50), undefined);
});

test('a running VM whose runner has not contacted GitLab for hours is flagged with a sentence', () => {
  const r = runner(12, 'ci-runner-b', [manager('s_0a1b2c3d4e5f', '10.132.0.5', 3 * H + 10 * MIN)]);
  const links = correlate({ vms: [euA], runners: [r] });
  assert.deepEqual(links.vmWarnings(euA, now), [
    "Runner #12 'ci-runner-b' has not contacted GitLab for 3 h although the VM is running.",
  ]);
});

test('never contacted and stale runners on a running VM are flagged; online ones are not', () => {
  const fresh = runner(16, 'gitlab-runner-eu-1', undefined);
  assert.deepEqual(correlate({ vms: [euA], runners: [fresh] }).vmWarnings(euA, now), [
    "Runner #16 'gitlab-runner-eu-1' has never contacted GitLab although the VM is running.",
  ]);
  const stale = runner(12, 'eu-1', [manager('s_0a1b2c3d4e5f', '10.132.0.5', 9 * D)]);
  assert.match(correlate({ vms: [euA], runners: [stale] }).vmWarnings(euA, now)[0], /has not contacted GitLab for 9 d/);
  const online = runner(12, 'eu-1', [manager('s_0a1b2c3d4e5f', '10.132.0.5', 4_000)]);
  assert.deepEqual(correlate({ vms: [euA], runners: [online] }).vmWarnings(euA, now), []);
});

test('a paused runner that is online raises no warning: pausing is deliberate', () => {
  const r = runner(12, 'eu-1', [manager('s_0a1b2c3d4e5f', '10.132.0.5', 4_000)], { paused: true });
  assert.deepEqual(correlate({ vms: [euA], runners: [r] }).vmWarnings(euA, now), []);
});

test('with a runner on two VMs, only the VM whose host went silent is flagged', () => {
  const r = runner(12, 'eu pool', [
    manager('s_0a1b2c3d4e5f', '10.132.0.5', 20_000),
    manager('s_1b2c3d4e5f60', '10.132.0.6', 3 * H),
  ]);
  const links = correlate({ vms: [euA, euB], runners: [r] });
  assert.equal(r.status, 'online', 'GitLab calls the runner online: one host is');
  assert.deepEqual(links.vmWarnings(euA, now), []);
  assert.equal(links.vmWarnings(euB, now).length, 1);
});

test('a running VM with no runner is flagged only once runners were loaded', () => {
  assert.deepEqual(correlate({ vms: [euA], runners: [] }).vmWarnings(euA, now), [
    'No registered runner is linked to this VM although it is running.',
  ]);
  assert.deepEqual(correlate({ vms: [euA] }).vmWarnings(euA, now), []);
});

test('stopped VMs, and VMs that started moments ago, raise no warnings', () => {
  const r = runner(12, 'eu-1', [manager('s_0a1b2c3d4e5f', '10.132.0.5', 3 * H)]);
  const stopped = { ...euA, status: 'TERMINATED' };
  assert.deepEqual(correlate({ vms: [stopped], runners: [r] }).vmWarnings(stopped, now), []);
  const booting = { ...euA, lastStartedAt: now - 2 * MIN };
  assert.deepEqual(correlate({ vms: [booting], runners: [r] }).vmWarnings(booting, now), []);
  assert.equal(correlate({ vms: [booting], runners: [r] }).vmWarnings(booting, now + BOOT_GRACE_MS).length, 1);
});

function job(extra: Partial<Job>): Job {
  return {
    id: 9_120_331,
    name: 'terraform-plan',
    stage: 'plan',
    status: 'failed',
    allowFailure: false,
    tags: ['gcp'],
    pipelineId: 1_480_221,
    projectId: 42,
    ...extra,
  };
}

test("a job's manager names the VM that ran it, even for a runner on two VMs", () => {
  const r = runner(12, 'eu pool', [
    manager('s_0a1b2c3d4e5f', '10.132.0.5', 20_000),
    manager('s_1b2c3d4e5f60', '10.132.0.6', 40_000),
  ]);
  const links = correlate({ vms: [euA, euB], runners: [r] });
  const host = jobHost(
    job({ runner: { id: 12, description: 'eu pool' }, runnerManager: { systemId: 's_1b2c3d4e5f60' } }),
    links,
  );
  assert.equal(host?.vm, euB);
  assert.equal(host?.runner, r);
  assert.equal(host?.text, "runner #12 'eu pool' on VM gitlab-runner-eu-2");
  const unnamed = jobHost(job({ runner: { id: 12, description: 'eu pool' } }), links);
  assert.equal(unnamed?.vm, undefined, 'two VMs and no manager: no guess');
  assert.equal(unnamed?.text, "runner #12 'eu pool'");
});

test("without a manager on the job, the runner's only VM ran it", () => {
  const links = correlate({ vms: [euA, euB], runners: [runner(12, 'gitlab-runner-eu-2', undefined)] });
  assert.equal(jobHost(job({ runner: { id: 12, description: 'gitlab-runner-eu-2' } }), links)?.vm, euB);
});

test('a job that no runner picked, or that ran on a runner outside the fleet, has no VM', () => {
  const links = correlate({ vms: [euA], runners: [] });
  assert.equal(jobHost(job({ status: 'pending' }), links), undefined);
  const shared = jobHost(
    job({
      runner: { id: 12_270_807, description: '5-green.saas-linux-small-amd64.runners-manager.gitlab.com/default' },
    }),
    links,
  );
  assert.equal(shared?.vm, undefined);
  assert.equal(shared?.runner, undefined);
  assert.match(shared?.text ?? '', /^runner #12270807 /);
});

test('a job host on a VM whose name is not unique names the zone too', () => {
  const west = vm('ci-runner-b', '10.132.0.9', { zone: 'europe-west1-b' });
  const north = vm('ci-runner-b', '10.166.0.3', { zone: 'europe-north1-a' });
  const r = runner(12, 'b', [manager('s_0a1b2c3d4e5f', '10.166.0.3', 20_000)]);
  const links = correlate({ vms: [west, north], runners: [r] });
  assert.equal(
    jobHost(job({ runner: { id: 12, description: 'b' }, runnerManager: { systemId: 's_0a1b2c3d4e5f' } }), links)?.text,
    "runner #12 'b' on VM ci-runner-b in europe-north1-a",
  );
});
