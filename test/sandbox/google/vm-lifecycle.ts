// The living VM: status transitions over simulated time, the boot (console, startup script,
// secrets from Storage decrypted by KMS), and the gitlab-runner process checking in to GitLab.
import type { RunnerHost } from '../world';
import { kernelLines, runnerLogLine, shutdownLines, syslogTime, systemdLines } from './boot-log';
import type { GoogleContext } from './context';
import { hashHex } from './hash';
import type { Vm } from './compute/model';
import { SerialPort } from './compute/serial';
import type { KmsState } from './kms-state';
import type { LoggingState, Severity } from './logging';
import { healthValues, putGuestAttribute, type WorkerFacts } from './guest-attributes';
import { interpretScript, type ScriptCommand, type ScriptPlan } from './script-interpreter';
import {
  DEFAULT_IMAGE_TAG,
  RUNNER_IMAGE_REPOSITORY,
  runnerImage,
  runnersFromConfig,
  StartupScript,
  type RunnerConfig,
} from './startup-script';
import type { StorageState } from './storage-state';

export const PROVISION_MS = 2_000; // PROVISIONING -> STAGING
export const STAGING_MS = 3_000; // STAGING -> RUNNING
export const STOP_MS = 4_000; // STOPPING -> TERMINATED
/** gitlab-runner's check_interval default. */
export const CHECK_INTERVAL_MS = 3_000;
/** After this many refused requests the runner waits `unhealthy_interval` (gitlab-runner defaults). */
const UNHEALTHY_REQUESTS_LIMIT = 3;
const UNHEALTHY_INTERVAL_MS = 3_600_000;

interface LogIdentity {
  resource: { type: string; labels: Record<string, string> };
  labels: Record<string, string>;
  containerLabels: Record<string, string>;
  container: Record<string, string>;
  instance: Record<string, string>;
}

export class VmLifecycle {
  private readonly identities = new WeakMap<Vm, LogIdentity>();
  /** The gitlab-runner image each VM's current boot runs (its metadata's tag). */
  private readonly images = new WeakMap<Vm, string>();

  constructor(
    private readonly ctx: GoogleContext,
    private readonly storage: StorageState,
    private readonly kms: KmsState,
    private readonly logging: LoggingState,
  ) {}

  /** A new VM: PROVISIONING, STAGING, then RUNNING and booting. Returns when it will be RUNNING. */
  provision(vm: Vm, from = this.ctx.now()): number {
    vm.status = 'PROVISIONING';
    const generation = ++vm.bootGeneration;
    this.ctx.scheduler.at(from + PROVISION_MS, () => {
      if (vm.bootGeneration === generation) vm.status = 'STAGING';
    });
    const runningAt = from + PROVISION_MS + STAGING_MS;
    this.ctx.scheduler.at(runningAt, (at) => {
      if (vm.bootGeneration === generation) this.boot(vm, at);
    });
    return runningAt;
  }

  /** Start a TERMINATED VM. Returns when it will be RUNNING. */
  start(vm: Vm): number {
    vm.status = 'STAGING';
    const generation = ++vm.bootGeneration;
    const runningAt = this.ctx.now() + STAGING_MS;
    this.ctx.scheduler.at(runningAt, (at) => {
      if (vm.bootGeneration === generation) this.boot(vm, at);
    });
    return runningAt;
  }

  /** Graceful shutdown: the runner process ends now, the VM is TERMINATED after STOP_MS. */
  stop(vm: Vm, then?: (at: number) => void): number {
    const now = this.ctx.now();
    const wasRunning = vm.status === 'RUNNING';
    vm.status = 'STOPPING';
    const generation = ++vm.bootGeneration;
    if (wasRunning) {
      this.ctx.gitlab.runnerHostGone(vm.systemId);
      this.console(vm, shutdownLines(syslogTime(now), vm.name));
    }
    const doneAt = now + STOP_MS;
    this.ctx.scheduler.at(doneAt, (at) => {
      if (vm.bootGeneration !== generation) return;
      vm.status = 'TERMINATED';
      vm.lastStopAt = at;
      then?.(at);
    });
    return doneAt;
  }

  /** Hard reset: the guest restarts at once; the console starts again at offset 0. */
  reset(vm: Vm): void {
    this.ctx.gitlab.runnerHostGone(vm.systemId);
    this.boot(vm, this.ctx.now());
  }

  /** Seeds: a VM that has been up since `bootAt` (its boot and check-ins replayed up to now). */
  alreadyRunning(vm: Vm, bootAt: number): void {
    vm.lastStartAt = bootAt;
    this.boot(vm, bootAt);
  }

  private boot(vm: Vm, at: number): void {
    const generation = ++vm.bootGeneration;
    vm.status = 'RUNNING';
    if (vm.lastStartAt === undefined || at > vm.lastStartAt) vm.lastStartAt = at;
    vm.serial = new Map([[1, new SerialPort()]]);
    const step = (delay: number, run: (t: number) => void) =>
      this.ctx.scheduler.at(at + delay, (t) => {
        if (vm.bootGeneration === generation) run(t);
      });
    this.console(vm, kernelLines(vm.name, 8192));
    step(1_000, (t) => this.console(vm, systemdLines(syslogTime(t), vm.name)));
    const script = new StartupScript(this.storage, this.kms, vm.spec.metadata, vm.name);
    const plan = interpretScript(script.text, vm.name);
    this.images.set(vm, `${RUNNER_IMAGE_REPOSITORY}:${script.imageTag}`);
    this.identities.delete(vm);
    if (plan.kmsKey === undefined && !script.hasRunnerSecrets) {
      step(2_000, (t) => this.scriptLog(vm, t, ['startup-script exit status 0'], false));
      return;
    }
    step(2_000, (t) => this.runScript(vm, t, generation, script, plan));
  }

  /** The startup script's commands in order; the first failure ends it (`set -e`). */
  private runScript(vm: Vm, t: number, generation: number, script: StartupScript, plan: ScriptPlan): void {
    let runners: RunnerConfig[] | undefined;
    let started: { version: string; tag: string } | undefined;
    let configToml: Buffer | undefined;
    let publish: Extract<ScriptCommand, { kind: 'publish-health' }> | undefined;
    const exit = (status: number) =>
      this.scriptLog(vm, t, [`startup-script exit status ${status}`, 'Finished running startup scripts.'], false);
    for (const command of plan.commands) {
      if (command.kind === 'echo') {
        this.scriptLog(vm, t, [command.text]);
        continue;
      }
      if (command.kind === 'publish-health') {
        publish = command;
        continue;
      }
      if (command.kind === 'docker-run') {
        // The metadata-driven script names its tag in metadata; a generated one in its text.
        const tag = command.image?.split(':').pop() ?? script.imageTag;
        const image = runnerImage(tag);
        const run = `+ docker run -d --name gitlab-runner --restart always --log-driver=gcplogs ${RUNNER_IMAGE_REPOSITORY}:${tag}`;
        if (!image) {
          // docker's own words for a tag the registry does not have, and its exit status.
          this.scriptLog(vm, t, [
            run,
            `Unable to find image '${RUNNER_IMAGE_REPOSITORY}:${tag}' locally`,
            `docker: Error response from daemon: manifest for ${RUNNER_IMAGE_REPOSITORY}:${tag} not found: manifest unknown: manifest unknown.`,
          ]);
          return exit(125);
        }
        this.images.set(vm, image.image);
        this.scriptLog(vm, t, [run, hashHex(`${vm.id}:${generation}`, 64)]);
        started = { ...image, tag };
        continue;
      }
      const result =
        'metadataKey' in command.source
          ? script.fetchSecret(command.source.metadataKey, command.destination)
          : plan.usesMetadataToken
            ? script.fetchUrl(command.source.url, command.destination, plan.kmsKey ?? '', 'curl')
            : {
                ok: false as const,
                log: [
                  `Fetching ${command.source.url}`,
                  'curl: (22) The requested URL returned error: 401 (UNAUTHENTICATED: Request is missing required authentication credential.)',
                ],
              };
      this.scriptLog(vm, t, result.log);
      if (!result.ok) return exit(1);
      if (command.destination.endsWith('config.toml') && 'plaintext' in result && result.plaintext) {
        configToml = result.plaintext;
        try {
          runners = runnersFromConfig(result.plaintext.toString('utf8'));
        } catch (e) {
          runners = undefined;
          this.containerLog(
            vm,
            t,
            'ERROR',
            runnerLogLine('FATAL', `failed to load config: ${(e as Error).message.split('\n')[0]}`),
          );
        }
      }
    }
    exit(0);
    // The container's own output follows the script's last line, as journald interleaves them.
    if (started && runners) this.startRunnerProcess(vm, generation, t, runners, started.version);
    // A config gitlab-runner cannot load makes its container exit and restart, over and over.
    const facts = {
      runnerState: runners ? 'running' : 'restarting',
      imageTag: started?.tag ?? '',
      configToml,
    } as const;
    if (started && publish) this.publishHealth(vm, generation, t, publish, { ...facts, startedAt: t });
  }

  /** publish_health in its background loop: every key it writes, again every `everyMs` while this boot lasts. */
  private publishHealth(
    vm: Vm,
    generation: number,
    at: number,
    plan: Extract<ScriptCommand, { kind: 'publish-health' }>,
    facts: WorkerFacts,
  ): void {
    const publish = (t: number) => {
      if (vm.bootGeneration !== generation || vm.status !== 'RUNNING') return;
      const values = healthValues(vm, facts, this.ctx.gitlab.runningJobs(vm.systemId), t);
      for (const key of plan.keys) if (key in values) putGuestAttribute(vm, plan.namespace, key, values[key]);
      // Replaying a VM that has been up for days writes once more for the last round, not once per round.
      const now = Math.max(t, this.ctx.clock.now());
      const next = t + plan.everyMs;
      this.ctx.scheduler.at(next > now ? next : now - ((now - t) % plan.everyMs), publish);
    };
    publish(at);
  }

  private startRunnerProcess(vm: Vm, generation: number, at: number, runners: RunnerConfig[], version: string): void {
    const info = (message: string, fields: Record<string, string | number> = {}) =>
      this.containerLog(vm, at, 'INFO', runnerLogLine('INFO', message, fields));
    info('Runtime platform', { arch: 'amd64', os: 'linux', pid: 7, revision: '6b06ff5b', version });
    info('Starting multi-runner from /etc/gitlab-runner/config.toml...', { builds: 0, max_builds: 1 });
    info('Running in system-mode.');
    info('Configuration loaded', { builds: 0, max_builds: 1 });
    info('Initializing executor providers...');
    const failures = new Map<string, number>();
    const checkIn = (t: number) => {
      if (vm.bootGeneration !== generation || vm.status !== 'RUNNING') return;
      let nextIn = CHECK_INTERVAL_MS;
      for (const runner of runners) {
        const host: RunnerHost = {
          systemId: vm.systemId,
          ipAddress: vm.networkIP,
          version,
          platform: 'linux',
          architecture: 'amd64',
          executor: runner.executor,
        };
        if (this.ctx.gitlab.runnerCheckIn(runner.token, host)) {
          failures.set(runner.token, 0);
          continue;
        }
        const count = (failures.get(runner.token) ?? 0) + 1;
        failures.set(runner.token, count);
        const short = runner.token.slice(0, 14);
        this.containerLog(
          vm,
          t,
          'WARNING',
          runnerLogLine('WARNING', 'Checking for jobs... forbidden', {
            runner: short,
            status: `POST ${runner.url}/api/v4/jobs/request: 403 Forbidden`,
          }),
        );
        if (count >= UNHEALTHY_REQUESTS_LIMIT) {
          this.containerLog(
            vm,
            t,
            'ERROR',
            runnerLogLine(
              'ERROR',
              `Runner "${runner.url}/${short}" is unhealthy and will be disabled for 1h0m0s seconds!`,
              { unhealthy_requests: count, unhealthy_requests_limit: UNHEALTHY_REQUESTS_LIMIT },
            ),
          );
          failures.set(runner.token, 0);
          nextIn = UNHEALTHY_INTERVAL_MS;
        }
      }
      // Re-arm from "now", not from the due time, so a big clock jump costs one check-in, not thousands.
      this.ctx.scheduler.at(Math.max(t, this.ctx.clock.now()) + nextIn, checkIn);
    };
    this.ctx.scheduler.at(at + 1_000, checkIn);
  }

  /** Startup-script output: the console, and Cloud Logging like the guest agent does. */
  private scriptLog(vm: Vm, at: number, lines: string[], prefixed = true): void {
    const tag = `${syslogTime(at)} ${vm.name} google_metadata_script_runner[812]:`;
    const texts = lines.map((l) => `${prefixed ? 'startup-script: ' : ''}${l}`);
    this.console(
      vm,
      texts.map((t) => `${tag} ${t}`),
    );
    const timestamp = new Date(at).toISOString();
    const { resource, labels } = this.logIdentity(vm);
    for (const message of texts) {
      this.logging.append({
        logName: `projects/${vm.project}/logs/google_metadata_script_runner`,
        resource,
        timestamp,
        receiveTimestamp: timestamp,
        severity: /ERROR|exit status [1-9]/.test(message) ? 'ERROR' : 'INFO',
        jsonPayload: { message, localTimestamp: timestamp },
        labels,
      });
    }
  }

  /** gitlab-runner container output: the gcplogs driver ships it; journald echoes it on the console. */
  private containerLog(vm: Vm, at: number, severity: Severity, line: string): void {
    this.console(vm, [`${syslogTime(at)} ${vm.name} gitlab-runner[1904]: ${line}`]);
    const identity = this.logIdentity(vm);
    const timestamp = new Date(at).toISOString();
    this.logging.append({
      logName: `projects/${vm.project}/logs/gcplogs-docker-driver`,
      resource: identity.resource,
      timestamp,
      receiveTimestamp: timestamp,
      severity,
      labels: identity.containerLabels,
      jsonPayload: { container: identity.container, instance: identity.instance, data: line },
    });
  }

  /** The parts every log entry of a VM shares, built once per VM (seeds write tens of thousands). */
  private logIdentity(vm: Vm): LogIdentity {
    let identity = this.identities.get(vm);
    if (!identity) {
      identity = {
        resource: { type: 'gce_instance', labels: { instance_id: vm.id, zone: vm.zone, project_id: vm.project } },
        labels: { 'compute.googleapis.com/resource_name': vm.name, instance_name: vm.name },
        containerLabels: { container_name: 'gitlab-runner', 'compute.googleapis.com/resource_name': vm.name },
        container: {
          name: '/gitlab-runner',
          imageName: this.images.get(vm) ?? `${RUNNER_IMAGE_REPOSITORY}:${DEFAULT_IMAGE_TAG}`,
        },
        instance: { name: vm.name, id: vm.id, zone: vm.zone },
      };
      this.identities.set(vm, identity);
    }
    return identity;
  }

  private console(vm: Vm, lines: string[]): void {
    const port = vm.serial.get(1);
    if (port && lines.length) port.write(lines.join('\r\n') + '\r\n');
  }
}
