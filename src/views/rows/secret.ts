// Rows of the Secrets view: the bucket, each encrypted object with its last Verify outcome, and
// the generations versioning kept.
import * as vscode from 'vscode';
import {
  generationDescription,
  secretDescription,
  verifySentence,
  type SecretGeneration,
  type SecretObject,
  type VerifyResult,
} from '../../core/secrets';
import { GLYPHS, verifyStatus } from '../../core/status-table';
import type { TokenFinding } from '../../core/token-drift';
import { formatWhen } from '../../core/time-format';
import { plural } from '../../core/names';
import { escapeMd, messageRow, tooltip } from './common';
import { iconOf } from './icon';

export function bucketRow(bucket: string, prefix: string, versioning: boolean, count: number): vscode.TreeItem {
  if (!versioning) {
    const item = messageRow(
      'Versioning is off: a bad rotation cannot be rolled back',
      GLYPHS.warning,
      `Bucket gs://${bucket} keeps no older generations. Turn versioning on: gcloud storage buckets update gs://${bucket} --versioning`,
    );
    item.description = `gs://${bucket}`;
    item.contextValue = 'secretsBucket.unversioned';
    return item;
  }
  const item = messageRow(
    `gs://${bucket}/${prefix}`,
    GLYPHS.bucket,
    `Bucket gs://${bucket}: versioning on, older generations are kept.`,
  );
  item.description = `versioning on · ${plural(count, 'secret')}`;
  item.contextValue = 'secretsBucket';
  return item;
}

export interface SecretRowData {
  secret: SecretObject;
  /** The label: the object name without the prefix. */
  label: string;
  bucket: string;
  kmsKey: string;
  verified?: VerifyResult | 'running';
  /** What the last Verify found wrong with the runner tokens in this config.toml. */
  tokens?: TokenFinding[];
  now: number;
}

export function secretRow({
  secret,
  label,
  bucket,
  kmsKey,
  verified,
  tokens = [],
  now,
}: SecretRowData): vscode.TreeItem {
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `secret:${secret.name}`;
  const details = secretDescription(secret, now);
  const outcome = verified === 'running' ? 'verifying…' : verified ? verifySentence(verified) : undefined;
  const drift = verified === 'running' ? [] : tokens.map((f) => f.sentence);
  item.description = [outcome, ...drift, details].filter(Boolean).join(' · ');
  item.iconPath =
    drift.length && verified !== undefined && verified !== 'running' && verified.outcome === 'primary'
      ? iconOf(GLYPHS.warning)
      : iconOf(verifyStatus(verified === 'running' ? 'running' : verified?.outcome));
  const g = secret.current;
  item.tooltip = tooltip([
    `**${escapeMd(label)}** — gs://${escapeMd(`${bucket}/${secret.name}`)}`,
    outcome ? `Verify: ${escapeMd(outcome)}` : 'Not verified since the last refresh.',
    ...drift.map((d) => `Runner token: ${escapeMd(d)}`),
    `Generation: ${g.generation} (${plural(secret.generations.length, 'generation')} kept)`,
    `Updated: ${formatWhen(g.updatedAt, now)}`,
    g.md5Hash && `MD5: \`${g.md5Hash}\``,
    g.crc32c && `CRC32C: \`${g.crc32c}\``,
    g.contentType && `Content type: ${escapeMd(g.contentType)}`,
    `KMS key: \`${kmsKey}\``,
  ]);
  item.contextValue = 'secret';
  item.accessibilityInformation = { label: `${label}, ${item.description}` };
  return item;
}

export function generationRow(secret: SecretObject, g: SecretGeneration, now: number): vscode.TreeItem {
  const current = g.deletedAt === undefined;
  const item = new vscode.TreeItem(`generation ${g.generation}`);
  item.id = `secret:${secret.name}#${g.generation}`;
  item.description = generationDescription(g, now);
  item.iconPath = iconOf(current ? GLYPHS.generationCurrent : GLYPHS.generationNoncurrent);
  item.tooltip = tooltip([
    `**Generation ${g.generation}** — ${current ? 'current' : 'noncurrent'}`,
    !current && `Noncurrent since: ${formatWhen(g.deletedAt!, now)}`,
    `Written: ${formatWhen(g.createdAt, now)}`,
    g.md5Hash && `MD5: \`${g.md5Hash}\``,
    g.crc32c && `CRC32C: \`${g.crc32c}\``,
    g.contentType && `Content type: ${escapeMd(g.contentType)}`,
  ]);
  item.contextValue = current ? 'secretGeneration.current' : 'secretGeneration.noncurrent';
  return item;
}
