// What commands and views share: built once in extension.ts, cheap to construct. The fleet
// store is rebuilt when the settings or the GitLab session change; adapters load on first use.
import * as vscode from 'vscode';
import { GitLabSessionStore } from './config/gitlab-session';
import { configuredParts, readSettings } from './config/settings';
import { TokenGateKeeper } from './config/token-gate';
import {
  DEFAULT_BOOTSTRAP,
  readAccessFacts,
  readGitLabFacts,
  readVmFacts,
  runChecklist,
  type BootstrapGitLabReads,
  type GitLabReadOptions,
  type StagedGitLabFacts,
  type CheckId,
  type ChecklistInput,
  type CheckResult,
} from './core/checklist';
import { FleetActions } from './core/fleet-actions';
import { FleetStore } from './core/fleet-store';
import { paceFor } from './core/pace';
import type { ComputePort, GitLabPort } from './core/ports';
import { SecretsStore, type SecretsPort } from './core/secrets';
import { TokenDrift } from './core/token-drift';
import { loadChecklist, loadCompute, loadGitLab, loadSecrets } from './lazy';
import { FailureLog } from './output/failure-log';

export class Services implements vscode.Disposable {
  /** Saving and deleting tokens; reading one for use goes through `gate`. */
  readonly sessions: GitLabSessionStore;
  /** Whether the stored token may go to the configured GitLab server (workspace URLs need consent). */
  readonly gate: TokenGateKeeper;
  /** The "Runner Ops" log every failure goes to, as it happens. */
  readonly failures: FailureLog;
  private readonly refreshRequested = new vscode.EventEmitter<void>();
  /** Fired by the refresh command. */
  readonly onRefresh = this.refreshRequested.event;
  private readonly storeReplaced = new vscode.EventEmitter<FleetStore>();
  /** Fired when settings or the session changed and the fleet and secrets must be read anew. */
  readonly onStoreReplaced = this.storeReplaced.event;
  private currentStore?: FleetStore;
  /** Only the window's first store lets the first render go before its per-row requests. */
  private firstStoreBuilt = false;
  /** Pause/resume, retry/cancel, run schedule: on whichever store is current. */
  readonly actions = new FleetActions(() => this.store());
  /** What the last Verify found about the runner tokens stored in config.toml secrets. */
  readonly tokenDrift = new TokenDrift();
  /** undefined: not built yet; null: secrets are not configured. */
  private currentSecrets?: SecretsStore | null;
  private closeAdapters: Array<() => Promise<void>> = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly context: vscode.ExtensionContext) {
    this.sessions = new GitLabSessionStore(context.secrets);
    this.gate = new TokenGateKeeper(this.sessions, context);
    this.failures = new FailureLog(context.extension.id);
    this.disposables.push(
      this.sessions,
      this.failures,
      this.refreshRequested,
      this.storeReplaced,
      this.sessions.onDidChange(() => void this.reconfigure()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('runnerOps')) void this.reconfigure();
      }),
    );
  }

  settings() {
    return readSettings(vscode.workspace.getConfiguration('runnerOps'));
  }

  /** The GitLab session to use, only when the gate lets the token go to the configured server. */
  async gitlabSession() {
    return this.gate.session();
  }

  refresh(): void {
    this.refreshRequested.fire();
  }

  store(): FleetStore {
    this.currentStore ??= this.buildStore();
    return this.currentStore;
  }

  /** The Secrets view's store for the current settings; undefined when secrets are not configured. */
  secrets(): SecretsStore | undefined {
    if (this.currentSecrets === undefined) this.currentSecrets = this.buildSecrets() ?? null;
    return this.currentSecrets ?? undefined;
  }

  /** Rebuilds the stores and context keys: after a change of settings, session or consent. */
  async reconfigure(): Promise<void> {
    await this.updateContext();
    const old = this.closeAdapters;
    this.closeAdapters = [];
    this.currentStore = undefined;
    this.currentSecrets = undefined;
    for (const close of old) void close().catch(() => undefined);
    this.storeReplaced.fire(this.store());
  }

  private buildStore(): FleetStore {
    const settings = this.settings();
    const parts = configuredParts(settings);
    let compute: Promise<ComputePort> | undefined;
    let gitlab: Promise<GitLabPort | undefined> | undefined;
    const firstStore = !this.firstStoreBuilt;
    this.firstStoreBuilt = true;
    return new FleetStore({
      projects: settings.gitlabProjects,
      now: Date.now,
      onFailure: this.failures.record,
      pace: paceFor(settings.refresh).fleet,
      queueWarnSeconds: settings.insights.queueWarnSeconds,
      diskWarnPercent: settings.insights.diskWarnPercent,
      // Details fill in once the fleet views are drawn and the Secrets view has its first rows
      // (at most a second each): on one thread, every request's answer delays someone's rows.
      // A later store (new settings, a sign-in) reads behind views already drawn.
      firstRowsDrawn: firstStore ? () => this.afterFleetDrawn().then(() => this.afterSecretsDrawn()) : undefined,
      compute: () => {
        if (!parts.gcp) return Promise.resolve(undefined);
        compute ??= loadCompute().then(({ ComputeAdapter }) => {
          const adapter = new ComputeAdapter(settings);
          this.closeAdapters.push(() => adapter.close());
          return adapter;
        });
        return compute;
      },
      gitlab: () => {
        if (!parts.gitlab) return Promise.resolve(undefined);
        // The adapter loads while the token is read, not after.
        gitlab ??= Promise.all([this.gitlabSession(), loadGitLab()]).then(([session, { GitLabFleet }]) =>
          session ? new GitLabFleet(session.url, session.token, session.caFile) : undefined,
        );
        return gitlab;
      },
    });
  }

  private buildSecrets(): SecretsStore | undefined {
    const settings = this.settings();
    if (!configuredParts(settings).secrets) return undefined;
    let port: Promise<SecretsPort> | undefined;
    return new SecretsStore(
      () => {
        port ??= this.afterFleetDrawn()
          .then(loadSecrets)
          .then(({ secretsPort }) => {
            const opened = secretsPort(settings);
            this.closeAdapters.push(async () => opened.close?.());
            return opened;
          });
        return port;
      },
      settings.secretsPrefix,
      this.failures.record,
    );
  }

  /** Set by the views: resolves once the fleet views on screen have their first rows drawn. */
  fleetDrawn: () => Promise<void> = () => Promise.resolve();

  /**
   * The Secrets and Checklist views load the largest bundle (Storage and KMS) on the same thread
   * as the fleet views: the fleet views' first rows go first, until a second after the first view
   * asked (one deadline for all: with a large fleet, rows ready later do not wait on top of it).
   * VS Code draws a tree once it has fetched every expanded level, each a round trip that waits
   * for the thread.
   */
  private afterFleetDrawn(): Promise<void> {
    // VS Code's reply with the last rows leaves on a timer and the window then paints them: a
    // bundle load started at once would hold both back (the thread, and one of the two cores).
    this.fleetFirst ??= atMost(
      this.fleetDrawn().then(() => new Promise<void>((r) => setTimeout(r, PAINT_MS))),
      FLEET_FIRST_MS,
    );
    return this.fleetFirst;
  }

  private fleetFirst?: Promise<void>;

  /** Set by the views: resolves once the Secrets view's first rows are drawn. */
  secretsDrawn: () => Promise<void> = () => Promise.resolve();

  /**
   * The Secrets view's first rows, drawn and painted, when a listing is coming (at most a
   * second): its listing is one request away, the checks' clients (three KMS descriptors) and
   * the runners' details are many.
   */
  private afterSecretsDrawn(): Promise<void> {
    const listing = this.currentSecrets?.firstRefresh;
    if (!listing) return Promise.resolve();
    const drawn = listing
      .catch(() => undefined)
      .then(() => this.secretsDrawn())
      .then(() => new Promise<void>((r) => setTimeout(r, PAINT_MS)));
    return atMost(drawn, FLEET_FIRST_MS);
  }

  /** Lets a fleet read in flight go first, for at most `atMostMs`. */
  private afterFleetRead(atMostMs: number): Promise<void> {
    const store = this.currentStore;
    return store ? atMost(store.settled(), atMostMs) : Promise.resolve();
  }

  /** Every bootstrap check, in order (or only `only`); none when nothing is configured (the view's welcome explains). */
  async runChecklist(only?: CheckId, onResult?: (result: CheckResult) => void): Promise<CheckResult[]> {
    const settings = this.settings();
    const parts = configuredParts(settings);
    if (!parts.any) return [];
    const bootstrap = settings.bootstrap ?? DEFAULT_BOOTSTRAP;
    const gitlabOptions = this.gate.state().then(async (gate): Promise<GitLabReadOptions> => {
      const session = gate.kind === 'send' ? await this.gitlabSession() : undefined;
      return {
        configured: parts.gitlab,
        host: settings.gitlabUrl,
        projects: settings.gitlabProjects,
        session,
        awaitingConsent: gate.kind === 'ask',
        identity: async (url, token, caFile) => (await loadGitLab()).fetchTokenIdentity(url, token, caFile),
        store: this.store(),
        onFailure: this.failures.record,
        bootstrap: session && {
          reads: lazyReads(
            () => loadGitLab().then((m) => new m.GitLabBootstrap(session.url, session.token, session.caFile)),
            () => this.store().serverVersionRead,
          ),
          scheduleProjects: bootstrap.schedules.map((s) => s.project),
        },
      };
    });
    // The Google checks go ahead with the VM list; the GitLab checks wait for GitLab's runners.
    // The access row is drawn once the fleet views are, or their second has passed (its reads go
    // ahead meanwhile): one more tree to draw on the same thread would hold their rows back.
    const accessRead = gitlabOptions.then(readAccessFacts);
    const access = accessRead.then(async (facts) => {
      await this.afterFleetDrawn();
      return facts;
    });
    const gitlab: StagedGitLabFacts = {
      vms: gitlabOptions.then(readVmFacts),
      access,
      all: gitlabOptions.then((o) => readGitLabFacts(o, accessRead)),
    };
    // Awaited by the checks; a failed bundle load below must not leave them unobserved.
    for (const stage of [gitlab.vms, accessRead, access, gitlab.all]) stage.catch(() => undefined);
    const verifyToken = async (token: string) =>
      (await loadGitLab()).verifyRunnerToken(settings.gitlabUrl, token, this.gate.caFile().file);
    // The Google checks' adapters (the Storage and KMS bundle) load once the fleet views on screen
    // are drawn and the Secrets view has listed; the GitLab checks go ahead meanwhile (their
    // bundle is the fleet's).
    const adapters = this.afterFleetDrawn()
      .then(() => this.afterSecretsDrawn())
      .then(() =>
        Promise.all([
          loadChecklist(),
          parts.gcp ? loadCompute().then(({ WorkerCompute }) => new WorkerCompute(settings)) : undefined,
        ]),
      )
      .then(([{ ChecklistAdapter }, compute]) => ({ google: new ChecklistAdapter(settings, verifyToken), compute }));
    const google = async () => (await adapters).google;
    const compute = async () => (await adapters).compute!;
    // The decrypt checks (a download, a KMS decrypt and GitLab's token checks per secret) fill in
    // one row; they wait for the fleet views' first read, whose rows everyone is waiting for.
    const fleetFirst = this.afterFleetRead(DECRYPT_CHECKS_WAIT_MS);
    try {
      return await runChecklist(
        this.checklistInput(),
        gitlab,
        {
          keyRing: async (n) => (await google()).keyRing(n),
          ping: async (p) => (await google()).ping(p),
          key: async (n) => (await google()).key(n),
          bucket: async (n) => (await google()).bucket(n),
          objects: async (b, p) => (await google()).objects(b, p),
          verify: async (k, b, o) => (await fleetFirst, (await google()).verify(k, b, o)),
          runnerConfig: async (k, b, o) => (await google()).runnerConfig(k, b, o),
          template: parts.gcp ? async (project, name) => (await compute()).template(project, name) : undefined,
          permissions: async (target, permissions) =>
            target.kind === 'key' || target.kind === 'bucket'
              ? (await google()).permissions(target, permissions)
              : (await compute()).permissions(target, permissions),
        },
        this.failures.record,
        only,
        onResult,
      );
    } finally {
      void adapters
        .then(({ google, compute }) => Promise.all([google.close(), compute?.close()]))
        .catch(() => undefined);
    }
  }

  /** What the checklist and its fixes read from the settings, as of now. */
  checklistInput(): ChecklistInput {
    const settings = this.settings();
    return {
      gcpProject: settings.gcpProject,
      kmsKey: settings.kmsKey,
      bucket: settings.secretsBucket,
      prefix: settings.secretsPrefix,
      now: Date.now(),
      bootstrap: settings.bootstrap ?? DEFAULT_BOOTSTRAP,
      instanceFilter: settings.instanceFilter,
    };
  }

  /** Sets the context keys that pick the welcome content of each view. */
  async updateContext(): Promise<void> {
    const settings = this.settings();
    // At activation and after each change: a bad value is said, not silently replaced.
    for (const problem of settings.problems) void vscode.window.showWarningMessage(problem);
    const parts = configuredParts(settings);
    const gate = await this.gate.state();
    await Promise.all([
      vscode.commands.executeCommand('setContext', 'runnerOps.gitlabConfigured', parts.gitlab),
      vscode.commands.executeCommand('setContext', 'runnerOps.gcpConfigured', parts.gcp),
      vscode.commands.executeCommand('setContext', 'runnerOps.secretsConfigured', parts.secrets),
      vscode.commands.executeCommand('setContext', 'runnerOps.anyConfigured', parts.any),
      vscode.commands.executeCommand('setContext', 'runnerOps.signedIn', gate.kind === 'send'),
      vscode.commands.executeCommand('setContext', 'runnerOps.tokenAwaitsConsent', gate.kind === 'ask'),
    ]);
  }

  dispose(): void {
    this.actions.dispose();
    for (const close of this.closeAdapters) void close().catch(() => undefined);
    for (const d of this.disposables) d.dispose();
  }
}

/** How long the on-demand views let the fleet views' first rows go first, from the first ask (afterFleetDrawn). */
const FLEET_FIRST_MS = 1000;
/** What the window takes to paint rows it has been sent (measured: 20–60 ms on 2 cores). */
const PAINT_MS = 60;

function atMost(wait: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([wait, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() =>
    clearTimeout(timer),
  );
}
/** How long the checklist's decrypt checks let it go first: a fleet of thousands reads in a few seconds. */
const DECRYPT_CHECKS_WAIT_MS = 5000;

/** The bootstrap's reads, loaded on first use; GitLab's version from the fleet store when it has it (read once per store). */
function lazyReads(
  load: () => Promise<BootstrapGitLabReads>,
  known: () => Promise<string | null> | undefined,
): BootstrapGitLabReads {
  let loaded: Promise<BootstrapGitLabReads> | undefined;
  const reads = () => (loaded ??= load());
  return {
    version: async () => (await known()) ?? (await reads()).version(),
    schedules: async (project) => (await reads()).schedules(project),
  };
}
