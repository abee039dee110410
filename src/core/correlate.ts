// Links registered runners to the worker VMs that host them, and jobs to the runner and VM that
// ran them. GitLab knows a runner's hosts only as managers (system id, source IP, last contact);
// Compute knows VMs by name and IPs. The rules below, strongest first, never guess: a clue that
// fits two VMs links neither and is reported as ambiguous.
import type { Job, Runner, RunnerManager, WorkerVm } from './model';
import { runnerRef } from './names';
import { PACE } from './pace';
import { formatElapsed } from './time-format';

export type LinkRule = 'manager-ip' | 'manager-system-id' | 'description' | 'runner-ip';

export interface RunnerVmLink {
  readonly runner: Runner;
  readonly vm: WorkerVm;
  readonly rule: LinkRule;
  /** For tooltips: "matched by manager IP 10.132.0.5". */
  readonly how: string;
  /** The runner's host on this VM, when a manager rule matched: its contact data is this VM's. */
  readonly manager?: RunnerManager;
}

export interface CorrelationInput {
  readonly vms: readonly WorkerVm[];
  /** Undefined while runners are not loaded (signed out, first fetch): then no "no runner" warnings. */
  readonly runners?: readonly Runner[];
  /** Runner system ids known per VM id, e.g. from a label or guest attribute the startup script sets. */
  readonly systemIdsByVm?: ReadonlyMap<string, readonly string[]>;
}

/** GitLab's Ci::Runner::ONLINE_CONTACT_TIMEOUT: a host silent for longer is offline. */
const ONLINE_CONTACT_MS = 2 * 3_600_000;

/** Splits text at characters a Compute instance name cannot contain, so names match as whole tokens. */
const NAME_TOKEN_SEPARATORS = /[^a-z0-9-]+/;

interface Claim extends RunnerVmLink {
  readonly contactedAt?: number;
  /** Processes on one host share a system id; without a manager the runner stands for its host. */
  readonly hostKey: string;
}

export function correlate(input: CorrelationInput): FleetLinks {
  const index = new VmIndex(input.vms, input.systemIdsByVm);
  const ambiguities = new Map<number, string>();
  const claims: Claim[] = [];
  for (const runner of input.runners ?? []) {
    const found = claimsOf(runner, index);
    claims.push(...found.claims);
    if (found.claims.length === 0 && found.ambiguity) ambiguities.set(runner.id, found.ambiguity);
  }
  return new FleetLinks(input, keepCurrentHosts(claims), ambiguities, index);
}

/** What a runner's own data says about where it runs. */
function claimsOf(runner: Runner, index: VmIndex): { claims: Claim[]; ambiguity?: string } {
  let ambiguity: string | undefined;
  const noteAmbiguity = (clue: string, vms: WorkerVm[]) => {
    ambiguity ??= `${clue} fits ${vms.length} VMs (${vms.map(vmWithZone).join(', ')}), so it is not linked to any.`;
  };
  const claims: Claim[] = [];
  const claim = (vm: WorkerVm, rule: LinkRule, how: string, manager?: RunnerManager) => {
    // The most recently contacted manager comes first and speaks for the VM.
    if (claims.some((c) => c.vm === vm)) return;
    const contactedAt = manager ? manager.contactedAt : runner.contactedAt;
    claims.push({
      runner,
      vm,
      rule,
      how,
      manager,
      contactedAt,
      hostKey: manager ? `system:${manager.systemId}` : `runner:${runner.id}`,
    });
  };

  for (const manager of newestFirst(runner.managers ?? [])) {
    const byIp = manager.ipAddress ? index.byIp(manager.ipAddress) : [];
    if (byIp.length === 1) {
      claim(byIp[0], 'manager-ip', `matched by manager IP ${manager.ipAddress}`, manager);
      continue;
    }
    if (byIp.length > 1) noteAmbiguity(`Manager IP ${manager.ipAddress}`, byIp);
    const bySystemId = index.bySystemId(manager.systemId);
    if (bySystemId.length === 1)
      claim(bySystemId[0], 'manager-system-id', `matched by system id ${manager.systemId}`, manager);
    else if (bySystemId.length > 1) noteAmbiguity(`System id ${manager.systemId}`, bySystemId);
  }
  if (claims.length > 0) return { claims };

  const named = index.namedIn(runner.description);
  if (named.length === 1) {
    claim(named[0], 'description', `matched by name ${named[0].name} in the runner's description`);
    return { claims };
  }
  if (named.length > 1) noteAmbiguity(`The description "${runner.description}"`, named);

  const legacyIp = runner.ipAddress?.trim();
  const byLegacyIp = legacyIp ? index.byIp(legacyIp) : [];
  if (byLegacyIp.length === 1)
    claim(byLegacyIp[0], 'runner-ip', `matched by the runner's IP ${legacyIp} (deprecated field)`);
  else if (byLegacyIp.length > 1) noteAmbiguity(`Runner IP ${legacyIp}`, byLegacyIp);
  return { claims, ambiguity };
}

/**
 * An IP outlives its VM: after a re-provision the new host reuses it while the old runner's
 * manager still lists it. When several hosts claim one VM, the most recently contacted wins;
 * another keeps its claim only if it was also in contact within GitLab's online window of that
 * (two runner processes on one VM). Claims with no contact time at all (a runner that has not
 * checked in yet) are kept.
 */
function keepCurrentHosts(claims: Claim[]): Claim[] {
  const byVm = groupBy(claims, (c) => c.vm);
  return [...byVm.values()].flatMap((vmClaims) => {
    const latestByHost = new Map<string, number>();
    for (const c of vmClaims) {
      if (c.contactedAt !== undefined)
        latestByHost.set(c.hostKey, Math.max(c.contactedAt, latestByHost.get(c.hostKey) ?? -Infinity));
    }
    const newest = Math.max(...latestByHost.values());
    return vmClaims.filter((c) => {
      const hostLatest = latestByHost.get(c.hostKey);
      return hostLatest === undefined || hostLatest >= newest - ONLINE_CONTACT_MS;
    });
  });
}

export class FleetLinks {
  private readonly linksByVm: Map<string, RunnerVmLink[]>;
  private readonly linksByRunner: Map<number, RunnerVmLink[]>;
  private readonly runnersById: Map<number, Runner>;
  private readonly vmsByLinkedSystemId: Map<string, WorkerVm>;

  constructor(
    private readonly input: CorrelationInput,
    links: readonly RunnerVmLink[],
    private readonly ambiguities: ReadonlyMap<number, string>,
    private readonly index: VmIndex,
  ) {
    this.linksByVm = groupBy(links, (l) => l.vm.id);
    this.linksByRunner = groupBy(links, (l) => l.runner.id);
    this.runnersById = new Map((input.runners ?? []).map((r) => [r.id, r]));
    this.vmsByLinkedSystemId = new Map(links.flatMap((l) => (l.manager ? [[l.manager.systemId, l.vm] as const] : [])));
  }

  get runnersLoaded(): boolean {
    return this.input.runners !== undefined;
  }

  runner(runnerId: number): Runner | undefined {
    return this.runnersById.get(runnerId);
  }

  runnersOfVm(vmId: string): Runner[] {
    return (this.linksByVm.get(vmId) ?? []).map((l) => l.runner);
  }

  vmsOfRunner(runnerId: number): WorkerVm[] {
    return (this.linksByRunner.get(runnerId) ?? []).map((l) => l.vm);
  }

  link(runnerId: number, vmId: string): RunnerVmLink | undefined {
    return this.linksByRunner.get(runnerId)?.find((l) => l.vm.id === vmId);
  }

  /** Which rule linked them, as a phrase for a tooltip. */
  how(runnerId: number, vmId: string): string | undefined {
    return this.link(runnerId, vmId)?.how;
  }

  /** Why a runner with clues to its VM is linked to none, as a sentence. */
  ambiguity(runnerId: number): string | undefined {
    return this.ambiguities.get(runnerId);
  }

  /** The VM a host (system id) runs on: from linked managers first, then the known system ids. */
  vmOfSystemId(systemId: string): WorkerVm | undefined {
    const linked = this.vmsByLinkedSystemId.get(systemId);
    if (linked) return linked;
    const vms = this.index.bySystemId(systemId);
    return vms.length === 1 ? vms[0] : undefined;
  }

  vmByIp(ip: string): WorkerVm | undefined {
    const vms = this.index.byIp(ip);
    return vms.length === 1 ? vms[0] : undefined;
  }

  /** A VM name, with its zone when another VM has the same name. */
  vmDisplayName(vm: WorkerVm): string {
    return this.index.byName(vm.name).length > 1 ? vmWithZone(vm) : vm.name;
  }

  /** Sentences for a RUNNING VM whose runner GitLab does not see, or that hosts no runner. */
  vmWarnings(vm: WorkerVm, now: number): string[] {
    if (vm.status !== 'RUNNING') return [];
    if (vm.lastStartedAt !== undefined && now - vm.lastStartedAt < PACE.correlation.bootGraceMs) return [];
    const links = this.linksByVm.get(vm.id) ?? [];
    if (links.length === 0) {
      if (!this.runnersLoaded) return [];
      return ['No registered runner is linked to this VM although it is running.'];
    }
    return links.flatMap((link) => {
      const problem = contactProblem(link, now);
      return problem ? [`${capitalize(runnerRef(link.runner))} ${problem} although the VM is running.`] : [];
    });
  }
}

/** "has not contacted GitLab for 3 h", or undefined when this host is online. */
function contactProblem(link: RunnerVmLink, now: number): string | undefined {
  const contactedAt = link.manager ? link.manager.contactedAt : link.runner.contactedAt;
  const status = link.manager ? (link.manager.status ?? statusFromContact(contactedAt, now)) : link.runner.status;
  if (status === 'online') return undefined;
  if (status === 'never_contacted' || contactedAt === undefined) {
    return status === 'never_contacted' ? 'has never contacted GitLab' : `is ${status.replace(/_/g, ' ')}`;
  }
  return `has not contacted GitLab for ${formatElapsed(contactedAt, now)}`;
}

function statusFromContact(contactedAt: number | undefined, now: number): string {
  if (contactedAt === undefined) return 'never_contacted';
  return now - contactedAt < ONLINE_CONTACT_MS ? 'online' : 'offline';
}

export interface JobHost {
  readonly runnerId: number;
  readonly runner?: Runner;
  readonly vm?: WorkerVm;
  /** "runner #12 'ci-runner-b' on VM ci-runner-b"; the views prefix it ("failed on ..."). */
  readonly text: string;
}

/**
 * Which runner and VM ran a job: the job's manager (host) when GitLab names it, else the
 * runner's only VM. A runner on several VMs without a named manager gives no VM.
 */
export function jobHost(job: Pick<Job, 'runner' | 'runnerManager'>, links: FleetLinks): JobHost | undefined {
  if (!job.runner) return undefined;
  const runnerId = job.runner.id;
  const runnerVms = links.vmsOfRunner(runnerId);
  const manager = job.runnerManager;
  const vm =
    (manager?.systemId ? links.vmOfSystemId(manager.systemId) : undefined) ??
    (manager?.ipAddress ? links.vmByIp(manager.ipAddress) : undefined) ??
    (runnerVms.length === 1 ? runnerVms[0] : undefined);
  const who = runnerRef(job.runner);
  return { runnerId, runner: links.runner(runnerId), vm, text: vm ? `${who} on VM ${links.vmDisplayName(vm)}` : who };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function vmWithZone(vm: WorkerVm): string {
  return `${vm.name} in ${vm.zone}`;
}

function newestFirst(managers: readonly RunnerManager[]): RunnerManager[] {
  return [...managers].sort((a, b) => (b.contactedAt ?? -Infinity) - (a.contactedAt ?? -Infinity));
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) push(groups, key(item), item);
  return groups;
}

/** The VMs by each clue a runner may carry. Lookups return every match, so callers see ambiguity. */
class VmIndex {
  private readonly ips = new Map<string, WorkerVm[]>();
  private readonly names: Map<string, WorkerVm[]>;
  private readonly systemIds = new Map<string, WorkerVm[]>();

  constructor(vms: readonly WorkerVm[], systemIdsByVm: ReadonlyMap<string, readonly string[]> = new Map()) {
    for (const vm of vms) {
      for (const ip of new Set([vm.internalIp, vm.externalIp])) if (ip) push(this.ips, ip, vm);
    }
    this.names = groupBy(vms, (vm) => vm.name.toLowerCase());
    const vmsById = new Map(vms.map((vm) => [vm.id, vm]));
    for (const [vmId, systemIds] of systemIdsByVm) {
      const vm = vmsById.get(vmId);
      if (vm) for (const systemId of systemIds) push(this.systemIds, systemId, vm);
    }
  }

  byIp(ip: string): WorkerVm[] {
    return this.ips.get(ip.trim()) ?? [];
  }

  bySystemId(systemId: string): WorkerVm[] {
    return this.systemIds.get(systemId) ?? [];
  }

  byName(name: string): WorkerVm[] {
    return this.names.get(name.toLowerCase()) ?? [];
  }

  /** VMs whose name appears in the text as a whole token ("runner on ci-runner-b", not "ci-runner-10" for ci-runner-1). */
  namedIn(text: string): WorkerVm[] {
    const tokens = new Set(text.toLowerCase().split(NAME_TOKEN_SEPARATORS));
    return [...tokens].flatMap((token) => this.names.get(token) ?? []);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
