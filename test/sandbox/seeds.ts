// Seeds compose both halves: GitLab's users, projects, runners and pipeline history here, and
// the worker VMs hosting those runners on the Google side (google.seed), which decides the GCP
// project, zones, bucket and key.
import type { SandboxClock } from './clock';
import { GitLabSeeder, SeedRandom } from './gitlab/history';
import type { GitLabHalf } from './gitlab/index';
import type { JobDefinition, ManagerRecord, ProjectRecord, RunnerRecord, UserRecord } from './gitlab/state';

/** `empty`: a GitLab project with no runner and a Google project with nothing in it (the bootstrap's start). */
export type SeedKind = 'small' | 'demo' | 'scale' | 'empty';
export const SEED_KINDS: SeedKind[] = ['small', 'demo', 'scale', 'empty'];

export interface SeedWorker {
  name: string;
  zone: string;
  runnerToken: string;
  runnerId: number;
  tags: string[];
  /** false: the VM is RUNNING but its runner never manages to check in. */
  healthy: boolean;
  /** Inside the VM: containers left running (with the job that started them) and disk use; a fresh VM's otherwise. */
  guest?: { containers: Array<{ name: string; jobId?: number }>; diskUsedPercent: number };
}

export interface GoogleSeedResult {
  project: string;
  zones: string[];
  instanceFilter: string;
  bucket: string;
  prefix: string;
  kmsKey: string;
}

export interface GoogleSeeder {
  seed(kind: SeedKind, workers: SeedWorker[]): GoogleSeedResult;
}

export interface SeedTokens {
  /** Administrator, scope api (the token main.ts prints). */
  admin: string;
  /** Administrator, scope read_api only. */
  readOnly: string;
  /** A non-admin developer of the seeded projects, scope api. */
  user: string;
  /** Revoked: answers 401 invalid_token. */
  revoked: string;
  /** Expired yesterday: answers 401 invalid_token. */
  expired: string;
}

export interface SeedResult {
  tokens: SeedTokens;
  /** Full paths of the projects Runner Ops should watch. */
  projects: string[];
  google: GoogleSeedResult;
  workers: SeedWorker[];
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const step = (command: string, ...output: string[]) => ({ command, output });
function job(
  name: string,
  stage: string,
  tags: string[],
  durationSec: number,
  script: JobDefinition['script'],
  extra: Partial<JobDefinition> = {},
): JobDefinition {
  return { name, stage, tags, durationSec, outcome: 'success', allowFailure: false, script, ...extra };
}

const FLEET_JOBS: JobDefinition[] = [
  job('terraform:fmt', 'validate', ['gcp'], 35, [step('terraform fmt -check -recursive')]),
  job('terraform:validate', 'validate', ['gcp'], 50, [
    step(
      'terraform init -backend=false',
      'Initializing provider plugins...',
      'Terraform has been successfully initialized!',
    ),
    step('terraform validate', 'Success! The configuration is valid.'),
  ]),
  job('plan', 'plan', ['gcp', 'terraform'], 150, [
    step('terraform init', 'Initializing the backend...', 'Terraform has been successfully initialized!'),
    step(
      'terraform plan -out=plan.tfplan',
      'google_compute_instance.runner["a"]: Refreshing state...',
      'google_compute_instance.runner["b"]: Refreshing state...',
      'No changes. Your infrastructure matches the configuration.',
    ),
  ]),
  job('apply', 'apply', ['gcp', 'deploy'], 120, [
    step('terraform apply -auto-approve plan.tfplan', 'Apply complete! Resources: 0 added, 0 changed, 0 destroyed.'),
  ]),
];

const UPDATER_JOBS: JobDefinition[] = [
  job('check-versions', 'check', ['gcp'], 60, [
    step('./scripts/latest-runner-version.sh', 'current: 17.11.0', 'latest:  17.11.1'),
  ]),
  job('open-merge-request', 'update', ['gcp'], 45, [
    step(
      './scripts/bump-runner-version.sh 17.11.1',
      'Created branch update-runner-17.11.1',
      'Opened merge request !42',
    ),
  ]),
];

const SMALL_JOBS: JobDefinition[] = [
  job('build', 'build', ['gcp'], 20, [step('make build', 'go build ./...')]),
  job('test', 'test', ['gcp'], 30, [step('make test', 'ok  	example.com/app	0.412s')]),
  job('lint', 'test', [], 10, [step('make lint', 'main.go:12:2: unused variable x')], {
    outcome: 'failed',
    allowFailure: true,
  }),
  job('deploy', 'deploy', ['gcp', 'deploy'], 15, [step('make deploy', 'deployed revision 42')]),
];

interface Halves {
  clock: SandboxClock;
  gitlab: GitLabHalf;
  google: GoogleSeeder;
}

interface Fleet {
  runner: RunnerRecord;
  manager: ManagerRecord;
  worker: SeedWorker;
}

/** Picks, for a job, a seeded runner that serves the project and has its tags (history only). */
function picker(gitlab: GitLabHalf, project: ProjectRecord, fleet: Fleet[], random: SeedRandom) {
  return (definition: JobDefinition) => {
    const fits = fleet.filter(
      (f) =>
        gitlab.sim.servesProject(f.runner, project) &&
        (definition.tags.length === 0
          ? f.runner.runUntagged
          : definition.tags.every((t) => f.runner.tagList.includes(t))),
    );
    const pick = fits[random.int(0, Math.max(0, fits.length - 1))] ?? fleet[0];
    return { runner: pick.runner, manager: pick.manager };
  };
}

function people(seeder: GitLabSeeder): { admin: UserRecord; dev: UserRecord; tokens: SeedTokens } {
  const admin = seeder.user('root', 'Administrator', true);
  const dev = seeder.user('dana', 'Dana Developer', false);
  const tokens: SeedTokens = {
    admin: seeder.token(admin, 'runner-ops', ['api']).secret,
    readOnly: seeder.token(admin, 'runner-ops-read', ['read_api']).secret,
    user: seeder.token(dev, 'dana-cli', ['api']).secret,
    revoked: seeder.token(admin, 'old-laptop', ['api'], { revoked: true }).secret,
    expired: seeder.token(admin, 'last-year', ['api'], { expiresInDays: -1 }).secret,
  };
  return { admin, dev, tokens };
}

function addWorker(
  seeder: GitLabSeeder,
  runner: RunnerRecord,
  zone: string,
  ip: string,
  healthy: boolean,
  fleet: Fleet[],
  version?: string,
): void {
  // A healthy worker's runner was polling a moment ago; an unhealthy one went quiet ~3 h ago.
  const manager = seeder.manager(runner, ip, healthy ? 3_000 : 3 * HOUR + 7 * MINUTE, version);
  fleet.push({
    runner,
    manager,
    worker: {
      name: runner.description,
      zone,
      runnerToken: runner.token,
      runnerId: runner.id,
      tags: runner.tagList,
      healthy,
    },
  });
}

function seedDemo(
  seeder: GitLabSeeder,
  now: number,
): { tokens: SeedTokens; projects: ProjectRecord[]; fleet: Fleet[] } {
  const { admin, dev, tokens } = people(seeder);
  const infra = seeder.group('infra', 'infra', [admin]);
  const fleetProject = seeder.project(
    infra.id,
    'runner-fleet',
    'runner-fleet',
    'Terraform for the self-hosted GitLab runners',
    admin,
    ['validate', 'plan', 'apply'],
    FLEET_JOBS,
  );
  const updater = seeder.project(
    infra.id,
    'version-updater',
    'version-updater',
    'Keeps gitlab-runner up to date',
    admin,
    ['check', 'update'],
    UPDATER_JOBS,
  );
  for (const p of [fleetProject, updater]) p.members.set(dev.id, 30);

  const fleet: Fleet[] = [];
  const a = seeder.runner(
    'project_type',
    'gitlab-runner-a',
    ['gcp', 'terraform', 'deploy'],
    { projectIds: [fleetProject.id] },
    admin,
    120,
  );
  const b = seeder.runner('group_type', 'gitlab-runner-b', ['gcp', 'terraform'], { groupId: infra.id }, admin, 120);
  // The infra group sets a 30-day runner token expiration interval: b's token runs out in 3 days.
  b.tokenLifetimeMs = 30 * 24 * HOUR;
  b.tokenExpiresAt = now + 3 * 24 * HOUR;
  const c = seeder.runner('instance_type', 'gitlab-runner-c', ['gcp', 'docker'], {}, admin, 45);
  addWorker(seeder, a, 'europe-west1-b', '10.132.0.2', true, fleet);
  addWorker(seeder, b, 'europe-west1-c', '10.132.0.3', true, fleet);
  // runner-c's host last checked in with an old gitlab-runner: two minor versions behind the server.
  addWorker(seeder, c, 'europe-west1-b', '10.132.0.4', false, fleet, '17.9.2');

  const nightly = seeder.schedule(updater, admin, 'Nightly runner version check', '0 3 * * *', 'Europe/Berlin');
  seeder.schedule(fleetProject, admin, 'Weekly drift check', '30 6 * * 1', 'UTC');

  // History over the last days: runner-c was still alive then, so it ran jobs too.
  const pickFleet = picker(seeder.gitlab, fleetProject, fleet, seeder.random);
  const pickUpdater = picker(seeder.gitlab, updater, fleet, seeder.random);
  const pastFleet = [70, 52, 49, 30, 26, 20, 7];
  pastFleet.forEach((hoursAgo, i) => {
    seeder.pastPipeline(fleetProject, {
      createdAt: now - hoursAgo * HOUR,
      source: i % 3 === 0 ? 'web' : 'push',
      user: i % 2 ? dev : admin,
      pickRunner: pickFleet,
      failJob: hoursAgo === 7 ? 'plan' : undefined,
    });
  });
  for (const daysAgo of [4, 3, 2, 1]) {
    const p = seeder.pastPipeline(updater, {
      createdAt: now - daysAgo * 24 * HOUR - 2 * HOUR,
      source: 'schedule',
      user: admin,
      pickRunner: pickUpdater,
      scheduleId: nightly.id,
    });
    nightly.lastPipelineId = p.id;
  }
  // runner-b's VM: three finished jobs left containers running, a node exporter runs on purpose,
  // and the disk is nearly full (what its guest attributes report).
  const finished = (seeder.gitlab.state.jobsByRunner.get(b.id) ?? [])
    .filter((j) => j.status === 'success')
    .sort((x, y) => y.id - x.id)
    .slice(0, 3);
  fleet.find((f) => f.runner === b)!.worker.guest = {
    containers: [
      ...finished.map((j, i) => ({ name: `${['postgres-ci', 'localstack', 'selenium'][i]}-${j.id}`, jobId: j.id })),
      { name: 'node-exporter' },
    ],
    diskUsedPercent: 95,
  };
  // One pipeline running right now, driven by the simulation from a couple of minutes ago.
  const started = now - 150_000;
  seeder.gitlab.sim.createPipeline(fleetProject, 'main', 'push', dev.id, started);
  for (let t = started; t < now; t += 5_000) seeder.gitlab.sim.tick(t);
  // And one waiting for a tag only the offline runner-c has: pending until it comes back.
  seeder.gitlab.sim.createPipeline(fleetProject, 'main', 'web', admin.id, now - 4 * MINUTE, null, [
    job('build-runner-image', 'validate', ['docker'], 90, [step('docker build -t runner-image .')]),
  ]);
  return { tokens, projects: [fleetProject, updater], fleet };
}

function seedSmall(
  seeder: GitLabSeeder,
  now: number,
): { tokens: SeedTokens; projects: ProjectRecord[]; fleet: Fleet[] } {
  const { admin, dev, tokens } = people(seeder);
  const group = seeder.group('qa', 'qa', [admin]);
  const app = seeder.project(
    group.id,
    'app',
    'app',
    'Sample application',
    admin,
    ['build', 'test', 'deploy'],
    SMALL_JOBS,
  );
  app.members.set(dev.id, 30);
  const fleet: Fleet[] = [];
  const shared = seeder.runner('instance_type', 'gitlab-runner-1', ['gcp'], {}, admin, 30);
  const own = seeder.runner('project_type', 'gitlab-runner-2', ['gcp', 'deploy'], { projectIds: [app.id] }, admin, 30);
  addWorker(seeder, shared, 'us-central1-a', '10.128.0.2', true, fleet);
  addWorker(seeder, own, 'us-central1-a', '10.128.0.3', true, fleet);
  const pick = picker(seeder.gitlab, app, fleet, seeder.random);
  seeder.pastPipeline(app, { createdAt: now - 5 * HOUR, source: 'push', user: admin, pickRunner: pick });
  seeder.pastPipeline(app, { createdAt: now - 2 * HOUR, source: 'push', user: dev, pickRunner: pick, failJob: 'test' });
  seeder.schedule(app, admin, 'Nightly build', '0 2 * * *', 'UTC');
  return { tokens, projects: [app], fleet };
}

function seedScale(
  seeder: GitLabSeeder,
  now: number,
): { tokens: SeedTokens; projects: ProjectRecord[]; fleet: Fleet[] } {
  const { admin, dev, tokens } = people(seeder);
  const group = seeder.group('fleet', 'fleet', [admin]);
  const zones = ['us-central1-a', 'us-central1-b', 'europe-west1-b', 'europe-west1-c'];
  const projects: ProjectRecord[] = [];
  for (let i = 1; i <= 20; i++) {
    const p = seeder.project(
      group.id,
      `service-${String(i).padStart(2, '0')}`,
      `service-${String(i).padStart(2, '0')}`,
      `Service ${i}`,
      admin,
      ['build', 'test', 'deploy'],
      SMALL_JOBS,
    );
    p.members.set(dev.id, 30);
    projects.push(p);
  }
  const fleet: Fleet[] = [];
  for (let i = 0; i < 2000; i++) {
    const kind = i % 10 === 0 ? 'instance_type' : i % 3 === 0 ? 'group_type' : 'project_type';
    const runner = seeder.runner(
      kind,
      `gitlab-runner-${String(i).padStart(4, '0')}`,
      ['gcp', ...(i % 2 ? ['deploy'] : [])],
      kind === 'group_type'
        ? { groupId: group.id }
        : kind === 'project_type'
          ? { projectIds: [projects[i % projects.length].id] }
          : {},
      admin,
      30 + (i % 300),
    );
    addWorker(
      seeder,
      runner,
      zones[i % zones.length],
      `10.${128 + (i >> 16)}.${(i >> 8) & 255}.${(i & 255) + 2 > 255 ? 1 : (i & 255) + 2}`,
      i % 25 !== 7,
      fleet,
    );
  }
  for (const p of projects) {
    const pick = picker(seeder.gitlab, p, fleet.slice(0, 200), seeder.random);
    for (let k = 0; k < 100; k++) {
      seeder.pastPipeline(p, {
        createdAt: now - (100 - k) * 45 * MINUTE,
        source: k % 10 === 0 ? 'schedule' : 'push',
        user: k % 2 ? dev : admin,
        pickRunner: pick,
        failJob: k % 17 === 3 ? 'test' : undefined,
      });
    }
  }
  seeder.schedule(projects[0], admin, 'Nightly build', '0 2 * * *', 'UTC');
  return { tokens, projects, fleet };
}

function seedEmpty(seeder: GitLabSeeder): { tokens: SeedTokens; projects: ProjectRecord[]; fleet: Fleet[] } {
  const { admin, dev, tokens } = people(seeder);
  const infra = seeder.group('infra', 'infra', [admin]);
  const fleetProject = seeder.project(
    infra.id,
    'runner-fleet',
    'runner-fleet',
    'Terraform for the self-hosted GitLab runners',
    admin,
    ['validate', 'plan', 'apply'],
    FLEET_JOBS,
  );
  fleetProject.members.set(dev.id, 30);
  return { tokens, projects: [fleetProject], fleet: [] };
}

const SEEDS: Record<SeedKind, (seeder: GitLabSeeder, now: number) => ReturnType<typeof seedEmpty>> = {
  small: seedSmall,
  demo: seedDemo,
  scale: seedScale,
  empty: seedEmpty,
};
const SEED_RANDOM: Record<SeedKind, number> = { small: 11, demo: 22, scale: 33, empty: 44 };

export function seedWorld(kind: SeedKind, halves: Halves): SeedResult {
  const now = halves.clock.now();
  const seeder = new GitLabSeeder(halves.gitlab, now, new SeedRandom(SEED_RANDOM[kind]));
  const built = SEEDS[kind](seeder, now);
  const workers = built.fleet.map((f) => f.worker);
  const google = halves.google.seed(kind, workers);
  return {
    tokens: built.tokens,
    projects: built.projects.map((p) => halves.gitlab.state.projectFullPath(p)),
    google,
    workers,
  };
}
