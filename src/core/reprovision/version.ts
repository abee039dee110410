// Upgrading through re-provisioning: the runner image tag an instance's metadata names, the tag
// the new VM gets (one the operator chose, or a newer template's), and the gitlab-runner version
// that tag implies, which the new manager must report when it checks in.

export type MetadataItem = { key: string; value: string };

export interface VersionChange {
  /** The metadata key that names the image tag (runnerOps.reprovision.imageTagMetadataKey). */
  key: string;
  before?: string;
  after?: string;
  /** The gitlab-runner version `after` implies (v17.11.1 -> 17.11.1); none for `latest` or no tag. */
  expected?: string;
}

/** What the operator asked to change for this run; nothing means recreate as it is. */
export interface Upgrade {
  imageTag?: string;
  /** A template to recreate a standalone VM from: when it is not the VM's own, its metadata wins for every key it defines. */
  template?: string;
}

/** gitlab-runner's tags name their version: `v17.11.1`, `alpine-v17.11.1`, `ubuntu-v17.11.1`. */
export function impliedVersion(tag: string | undefined): string | undefined {
  return /(?:^|-)v(\d+\.\d+\.\d+)$/.exec(tag ?? '')?.[1];
}

/** Docker's tag grammar; the message says what is wrong, undefined when the tag is fine. */
export function imageTagProblem(tag: string): string | undefined {
  if (/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) return undefined;
  return `"${tag}" is not an image tag: letters, digits, '_', '.' and '-', at most 128, not starting with '.' or '-' (for example v17.11.1).`;
}

const valueOf = (items: readonly MetadataItem[], key: string) => items.find((i) => i.key === key)?.value || undefined;

/**
 * The metadata the new VM is inserted with: the old VM's; with a chosen template, that template's
 * for every key it defines (the old VM's other keys kept); then the chosen tag.
 */
export function metadataAfter(
  before: readonly MetadataItem[],
  template: readonly MetadataItem[] | undefined,
  key: string,
  tag: string | undefined,
): MetadataItem[] {
  const defined = new Set(template?.map((i) => i.key));
  const items = [...(template ?? []), ...before.filter((i) => !defined.has(i.key))].map((i) => ({ ...i }));
  if (tag === undefined) return items;
  const existing = items.find((i) => i.key === key);
  if (existing) existing.value = tag;
  else items.push({ key, value: tag });
  return items;
}

export function versionChange(
  key: string,
  before: readonly MetadataItem[],
  after: readonly MetadataItem[],
): VersionChange {
  const [from, to] = [valueOf(before, key), valueOf(after, key)];
  return { key, before: from, after: to, expected: impliedVersion(to) };
}

/** One line for the plan and the log: "v17.11.0 (gitlab-runner 17.11.0) -> v17.11.1 (gitlab-runner 17.11.1)". */
export function versionLine(v: VersionChange): string {
  const side = (tag: string | undefined) =>
    tag === undefined
      ? `no ${v.key} (the startup script's default)`
      : `${tag}${impliedVersion(tag) ? ` (gitlab-runner ${impliedVersion(tag)})` : ''}`;
  return v.before === v.after ? `${side(v.after)}, unchanged` : `${side(v.before)} → ${side(v.after)}`;
}
