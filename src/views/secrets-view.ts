// Secrets: the encrypted objects under runnerOps.secrets.prefix, each with its generations, and
// the outcome of the last Verify on its row until the next refresh. No polling: secrets change
// rarely; it reads on refresh, on a settings change and when the view becomes visible.
import * as vscode from 'vscode';
import { configuredParts } from '../config/settings';
import {
  generationDescription,
  secretDescription,
  secretLabel,
  SecretsStore,
  verifySentence,
  verifyTone,
  type SecretGeneration,
  type SecretObject,
  type SecretsPort,
  type VerifyResult,
} from '../core/secrets';
import { loadSecrets } from '../lazy';
import type { Services } from '../services';
import { errorItem, escapeMd, loadingItem, messageItem } from './presentation';

export type SecretNode =
  | { kind: 'secret'; secret: SecretObject }
  | { kind: 'generation'; secret: SecretObject; generation: SecretGeneration }
  | { kind: 'item'; item: vscode.TreeItem };

/** Owns the store for the current settings; a settings change builds a new one (and closes the old port). */
class SecretsSource {
  private store?: SecretsStore;
  private key = '';
  private port?: Promise<SecretsPort>;
  private readonly listeners = new Set<() => void>();
  private unsubscribe?: () => void;

  constructor(private readonly services: Services) {}

  /** The store for the current settings, or undefined when secrets are not configured. */
  current(): SecretsStore | undefined {
    const settings = this.services.settings();
    if (!configuredParts(settings).secrets) return undefined;
    const key = JSON.stringify([
      settings.gcpProject,
      settings.credentials,
      settings.endpoints,
      settings.secretsBucket,
      settings.secretsPrefix,
      settings.kmsKey,
    ]);
    if (!this.store || key !== this.key) {
      this.close();
      this.key = key;
      let port: Promise<SecretsPort> | undefined;
      const getPort = () => (port ??= loadSecrets().then(({ secretsPort }) => secretsPort(settings)));
      this.port = undefined;
      const store = new SecretsStore(
        () => {
          this.port = getPort();
          return this.port;
        },
        settings.secretsPrefix,
        this.services.failures.record,
      );
      this.unsubscribe = store.onChange(() => this.fire());
      this.store = store;
    }
    return this.store;
  }

  onChange(listener: () => void): vscode.Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private fire(): void {
    for (const l of this.listeners) l();
  }

  close(): void {
    this.unsubscribe?.();
    void this.port?.then((p) => p.close?.()).catch(() => undefined);
    this.port = undefined;
    this.store = undefined;
  }
}

const sources = new WeakMap<Services, SecretsSource>();

/** The Secrets store shared by the view and the commands (undefined when not configured). */
export function secretsStore(services: Services): SecretsStore | undefined {
  return sourceOf(services).current();
}

function sourceOf(services: Services): SecretsSource {
  let source = sources.get(services);
  if (!source) {
    source = new SecretsSource(services);
    sources.set(services, source);
  }
  return source;
}

export class SecretsView implements vscode.TreeDataProvider<SecretNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  visible = false;

  constructor(
    private readonly services: Services,
    private readonly now: () => number = Date.now,
  ) {}

  fire(): void {
    this.changed.fire();
  }

  getChildren(node?: SecretNode): SecretNode[] {
    if (node?.kind === 'secret')
      return node.secret.generations.map((generation) => ({ kind: 'generation', secret: node.secret, generation }));
    if (node) return [];
    const store = secretsStore(this.services);
    if (!store) return []; // the welcome content says what to configure
    const { bucket, secrets, error, loading } = store.state;
    if (error) return [{ kind: 'item', item: errorItem(error, false) }];
    if (!secrets || !bucket) {
      if (!loading && this.visible) void store.refresh();
      return [{ kind: 'item', item: loadingItem('secrets') }];
    }
    const settings = this.services.settings();
    const head: SecretNode[] = [
      { kind: 'item', item: bucketItem(bucket.name, settings.secretsPrefix, bucket.versioning, secrets.length) },
    ];
    if (secrets.length === 0)
      return [
        ...head,
        { kind: 'item', item: messageItem(`No objects under gs://${bucket.name}/${settings.secretsPrefix}`, 'info') },
      ];
    return [...head, ...secrets.map((secret): SecretNode => ({ kind: 'secret', secret }))];
  }

  getTreeItem(node: SecretNode): vscode.TreeItem {
    switch (node.kind) {
      case 'item':
        return node.item;
      case 'secret':
        return this.secretItem(node.secret);
      case 'generation':
        return this.generationItem(node.secret, node.generation);
    }
  }

  private secretItem(secret: SecretObject): vscode.TreeItem {
    const settings = this.services.settings();
    const store = secretsStore(this.services);
    const verified = store?.verified.get(secret.name);
    const label = secretLabel(secret.name, settings.secretsPrefix);
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `secret:${secret.name}`;
    const details = secretDescription(secret, this.now());
    const outcome = verified === 'running' ? 'verifying…' : verified ? verifySentence(verified) : undefined;
    item.description = outcome ? `${outcome} · ${details}` : details;
    item.iconPath = verifyIcon(verified);
    const g = secret.current;
    item.tooltip = new vscode.MarkdownString(
      [
        `**${escapeMd(label)}** — gs://${escapeMd(`${settings.secretsBucket}/${secret.name}`)}`,
        outcome ? `Verify: ${escapeMd(outcome)}` : 'Not verified since the last refresh.',
        `Generation: ${g.generation} (${secret.generations.length} kept)`,
        `MD5: \`${g.md5Hash ?? '—'}\` · CRC32C: \`${g.crc32c ?? '—'}\``,
        `Content type: ${escapeMd(g.contentType ?? '—')}`,
        `KMS key: \`${settings.kmsKey}\``,
      ].join('\n\n'),
    );
    item.contextValue = 'secret';
    item.accessibilityInformation = { label: `${label}, ${item.description}` };
    return item;
  }

  private generationItem(secret: SecretObject, g: SecretGeneration): vscode.TreeItem {
    const item = new vscode.TreeItem(`generation ${g.generation}`);
    item.id = `secret:${secret.name}#${g.generation}`;
    item.description = generationDescription(g, this.now());
    item.iconPath = new vscode.ThemeIcon(g.deletedAt === undefined ? 'circle-filled' : 'history');
    item.tooltip = new vscode.MarkdownString(
      [
        `Generation ${g.generation}${g.deletedAt === undefined ? ' (current)' : ` (noncurrent since ${new Date(g.deletedAt).toISOString()})`}`,
        `Written ${Number.isNaN(g.createdAt) ? '—' : new Date(g.createdAt).toISOString()}`,
        `MD5: \`${g.md5Hash ?? '—'}\` · CRC32C: \`${g.crc32c ?? '—'}\``,
        `Content type: ${escapeMd(g.contentType ?? '—')}`,
      ].join('\n\n'),
    );
    item.contextValue = g.deletedAt === undefined ? 'secretGeneration.current' : 'secretGeneration.noncurrent';
    return item;
  }
}

function bucketItem(bucket: string, prefix: string, versioning: boolean, count: number): vscode.TreeItem {
  if (!versioning) {
    const item = messageItem(
      'Versioning is off: a bad rotation cannot be rolled back',
      'warning',
      `Bucket gs://${bucket} keeps no older generations. Turn versioning on: gcloud storage buckets update gs://${bucket} --versioning`,
    );
    item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    item.description = `gs://${bucket}`;
    item.contextValue = 'secretsBucket.unversioned';
    return item;
  }
  const item = messageItem(
    `gs://${bucket}/${prefix}`,
    'archive',
    `Bucket gs://${bucket}: versioning on, older generations are kept.`,
  );
  item.description = `versioning on · ${count} secret${count === 1 ? '' : 's'}`;
  item.contextValue = 'secretsBucket';
  return item;
}

function verifyIcon(verified: VerifyResult | 'running' | undefined): vscode.ThemeIcon {
  if (verified === 'running') return new vscode.ThemeIcon('loading~spin');
  if (!verified) return new vscode.ThemeIcon('lock');
  switch (verifyTone(verified)) {
    case 'ok':
      return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    case 'warning':
      return new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    default:
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
  }
}

/** Registers the view; reads on refresh, on settings/session change and when it becomes visible. */
export function registerSecretsView(context: vscode.ExtensionContext, services: Services): SecretsView {
  const provider = new SecretsView(services);
  const source = sourceOf(services);
  const view = vscode.window.createTreeView('runnerOps.secrets', { treeDataProvider: provider, showCollapseAll: true });
  provider.visible = view.visible;
  const refreshIfVisible = () => {
    const store = source.current();
    if (store && provider.visible) void store.refresh();
    else provider.fire();
  };
  context.subscriptions.push(
    view,
    source.onChange(() => provider.fire()),
    view.onDidChangeVisibility((e) => {
      provider.visible = e.visible;
      if (e.visible) refreshIfVisible();
    }),
    services.onRefresh(() => refreshIfVisible()),
    services.onStoreReplaced(() => refreshIfVisible()),
    { dispose: () => source.close() },
  );
  return provider;
}
