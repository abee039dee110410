// Secrets: the encrypted objects under runnerOps.secrets.prefix, each with its generations, and
// the outcome of the last Verify on its row until the next refresh. Secrets change rarely: the
// view reads on demand (when shown, on refresh, on a settings change), never on a timer.
import * as vscode from 'vscode';
import { secretLabel, type SecretGeneration, type SecretObject } from '../core/secrets';
import type { Services } from '../services';
import { errorRow, loadingRow, messageRow, type ItemNode } from './rows/common';
import { RowCap } from './rows/row-cap';
import { bucketRow, generationRow, secretRow } from './rows/secret';

export type SecretNode =
  | { kind: 'secret'; secret: SecretObject }
  | { kind: 'generation'; secret: SecretObject; generation: SecretGeneration }
  | ItemNode;

export class SecretsView implements vscode.TreeDataProvider<SecretNode> {
  readonly cap = new RowCap('runnerOps.secrets');
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly services: Services,
    private readonly now: () => number = Date.now,
  ) {}

  fire(): void {
    this.changed.fire();
  }

  getChildren(node?: SecretNode): SecretNode[] {
    if (node?.kind === 'secret') {
      return node.secret.generations.map((generation) => ({ kind: 'generation', secret: node.secret, generation }));
    }
    if (node) return [];
    const store = this.services.secrets();
    if (!store) return []; // the welcome content says what to configure
    const { bucket, secrets, error, readAt } = store.state;
    if (error)
      return [
        {
          kind: 'item',
          item: errorRow(error, readAt === undefined ? undefined : { at: readAt, shown: false }, this.now()),
        },
      ];
    if (!secrets || !bucket) return [{ kind: 'item', item: loadingRow('secrets') }];
    const prefix = store.prefix;
    const head: SecretNode = { kind: 'item', item: bucketRow(bucket.name, prefix, bucket.versioning, secrets.length) };
    if (secrets.length === 0) {
      return [head, { kind: 'item', item: messageRow(`No objects under gs://${bucket.name}/${prefix}`) }];
    }
    return [
      head,
      ...this.cap.apply(
        secrets.map((secret): SecretNode => ({ kind: 'secret', secret })),
        'secrets',
        'secrets',
      ),
    ];
  }

  getTreeItem(node: SecretNode): vscode.TreeItem {
    const now = this.now();
    switch (node.kind) {
      case 'item':
        return node.item;
      case 'secret': {
        const settings = this.services.settings();
        const store = this.services.secrets();
        return secretRow({
          secret: node.secret,
          label: secretLabel(node.secret.name, settings.secretsPrefix),
          bucket: settings.secretsBucket,
          kmsKey: settings.kmsKey,
          verified: store?.verified.get(node.secret.name),
          tokens: this.services.tokenDrift.forSecret(node.secret.name),
          now,
        });
      }
      case 'generation':
        return generationRow(node.secret, node.generation, now);
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}
