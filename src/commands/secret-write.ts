// Replace a secret and roll one back: ask for the secret (or generation) and the value, show the
// plan in the confirmation, run src/core/secret-write.ts with progress, log the change, and
// report the new generation that KMS decrypted back to the intended bytes. The value lives in
// one Buffer, zeroed by the core when done (or here when the operator says no).
import * as vscode from 'vscode';
import { refusedUntrusted, type ChangingCommand } from './trust';
import {
  outcomeSentence,
  refuseValue,
  replaceQuestion,
  replaceSecret,
  rollbackQuestion,
  rollbackSecret,
  targetProblem,
  MAX_SECRET_BYTES,
  overKmsLimit,
  type PlanFacts,
  type WriteOutcome,
} from '../core/secret-write';
import { formatSize, secretLabel, type SecretGeneration, type SecretObject, type SecretsStore } from '../core/secrets';
import { formatWhen } from '../core/time-format';
import type { Services } from '../services';
import { confirmation } from './confirm';
import { loadedStore } from './secrets';

type SecretArg = { secret: SecretObject } | undefined;
type GenerationArg = { secret: SecretObject; generation: SecretGeneration } | undefined;
/** Where the new value comes from, for scripts and tests (the UI asks instead). */
export type ValueSource = { text: string } | { file: string };

export interface WriteReport {
  /** 'failed': an error other than a conflict (permissions, network); its message was shown. */
  outcome: WriteOutcome['outcome'] | 'cancelled' | 'failed';
  generation?: string;
}

export function register(context: vscode.ExtensionContext, services: Services): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('runnerOps.updateSecret', (node: SecretArg, source?: ValueSource) =>
      update(services, node, source),
    ),
    vscode.commands.registerCommand('runnerOps.rollbackSecret', (node: GenerationArg) => rollback(services, node)),
  );
}

const CANCELLED: WriteReport = { outcome: 'cancelled' };

async function update(services: Services, node: SecretArg, source?: ValueSource): Promise<WriteReport> {
  const store = await writableStore(services, 'runnerOps.updateSecret');
  if (!store) return CANCELLED;
  const secret = node?.secret ?? (await pickSecret(store, 'Replace Secret', store.state.secrets ?? []));
  if (!secret) return CANCELLED;
  const label = secretLabel(secret.name, store.prefix);
  const value = await readValue(label, source);
  if (!value) return CANCELLED;
  const refused = refuseValue(secret.name, value.bytes);
  if (refused) {
    value.bytes.fill(0);
    void vscode.window.showErrorMessage(`${label} was not changed: ${refused}`);
    return { outcome: 'refused' };
  }
  const facts = planFacts(services, label, secret.current);
  if (!(await confirmation.ask(replaceQuestion(facts, value.bytes.length, value.from), 'Replace Secret'))) {
    value.bytes.fill(0);
    return CANCELLED;
  }
  return run(services, store, `Replacing ${label}`, 'Replaced', facts, async () =>
    replaceSecret(await store.port(), { objectName: secret.name, replaces: secret.current.generation }, value.bytes),
  );
}

async function rollback(services: Services, node: GenerationArg): Promise<WriteReport> {
  const store = await writableStore(services, 'runnerOps.rollbackSecret');
  if (!store) return CANCELLED;
  const picked = node ?? (await pickGeneration(store));
  if (!picked) return CANCELLED;
  const { secret, generation } = picked;
  const label = secretLabel(secret.name, store.prefix);
  if (generation.deletedAt === undefined) {
    void vscode.window.showInformationMessage(
      `Generation ${generation.generation} of ${label} is already current: choose an older one.`,
    );
    return CANCELLED;
  }
  const facts = planFacts(services, label, secret.current);
  if (!(await confirmation.ask(rollbackQuestion(facts, generation), 'Roll Back'))) return CANCELLED;
  return run(services, store, `Rolling back ${label}`, 'Rolled back', facts, async () =>
    rollbackSecret(
      await store.port(),
      { objectName: secret.name, replaces: secret.current.generation },
      generation.generation,
    ),
  );
}

/** The secrets store, loaded, when this workspace may run `command` (it changes or reveals a secret). */
export async function writableStore(services: Services, command: ChangingCommand): Promise<SecretsStore | undefined> {
  if (refusedUntrusted(command)) return undefined;
  const { secretsBucket, kmsKey } = services.settings();
  const problem = targetProblem(secretsBucket, kmsKey);
  if (problem) {
    void vscode.window
      .showErrorMessage(`Nothing was changed: ${problem}`, 'Open Settings')
      .then((c) => c && vscode.commands.executeCommand('runnerOps.openSettings', 'runnerOps.secrets'));
    return undefined;
  }
  return loadedStore(services);
}

function planFacts(services: Services, label: string, current: SecretGeneration): PlanFacts {
  const settings = services.settings();
  return { label, bucket: settings.secretsBucket, kmsKey: settings.kmsKey, current, now: Date.now() };
}

/** Runs a write with progress, then logs and shows its outcome; the Secrets view reloads. */
async function run(
  services: Services,
  store: SecretsStore,
  title: string,
  done: string,
  facts: PlanFacts,
  write: () => Promise<WriteOutcome>,
): Promise<WriteReport> {
  const planned = facts.current.generation;
  let result: WriteOutcome;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `${title}…` },
      write,
    );
  } catch (error) {
    const message = `${facts.label} was not changed or its result is unknown: ${(error as Error).message} Refresh the Secrets view to see its generation now.`;
    services.failures.record(error as Error);
    void vscode.window.showErrorMessage(message);
    void store.refresh();
    return { outcome: 'failed' };
  }
  const sentence = outcomeSentence(facts.label, planned, result, Date.now());
  switch (result.outcome) {
    case 'written':
      services.failures.note(
        'info',
        `${done} ${facts.current.name}: generation ${planned} → ${result.generation.generation}.`,
      );
      void vscode.window.showInformationMessage(`${done} ${sentence}`);
      break;
    case 'conflict':
      services.failures.note('warn', sentence);
      void vscode.window.showWarningMessage(sentence, 'Reload').then((choice) => {
        if (choice) void store.refresh();
      });
      break;
    default:
      services.failures.note('error', sentence);
      void vscode.window.showErrorMessage(sentence);
  }
  void store.refresh();
  return { outcome: result.outcome, generation: 'generation' in result ? result.generation.generation : undefined };
}

async function pickSecret(
  store: SecretsStore,
  title: string,
  secrets: SecretObject[],
): Promise<SecretObject | undefined> {
  const picked = await vscode.window.showQuickPick(
    secrets.map((s) => ({
      label: secretLabel(s.name, store.prefix),
      description: `generation ${s.current.generation} · ${formatSize(s.current.size)}`,
      secret: s,
    })),
    { title, placeHolder: 'Choose a secret' },
  );
  return picked?.secret;
}

async function pickGeneration(store: SecretsStore): Promise<GenerationArg> {
  const withOlder = (store.state.secrets ?? []).filter((s) => s.generations.length > 1);
  if (!withOlder.length) {
    void vscode.window.showInformationMessage(
      'No secret has an older generation to roll back to (is versioning on for the bucket?).',
    );
    return undefined;
  }
  const secret = await pickSecret(store, 'Roll Back Secret (1/2)', withOlder);
  if (!secret) return undefined;
  const picked = await vscode.window.showQuickPick(
    secret.generations
      .filter((g) => g.deletedAt !== undefined)
      .map((g) => ({
        label: `generation ${g.generation}`,
        description: `written ${formatWhen(g.createdAt, Date.now())} · ${formatSize(g.size)}`,
        generation: g,
      })),
    { title: 'Roll Back Secret (2/2)', placeHolder: 'Choose the generation to make current again' },
  );
  return picked && { secret, generation: picked.generation };
}

/** The new value: from the arguments, a masked input box, or a file (size checked before reading). */
async function readValue(label: string, source?: ValueSource): Promise<{ bytes: Buffer; from: string } | undefined> {
  if (source && 'text' in source) return { bytes: Buffer.from(source.text, 'utf8'), from: 'given' };
  if (source && 'file' in source) return readFile(vscode.Uri.file(source.file));
  const how = await vscode.window.showQuickPick(
    [
      { label: 'Type the Value', description: 'a masked input box (one line)', id: 'type' },
      { label: 'Read from a File…', description: 'keys, JSON, config.toml', id: 'file' },
    ],
    { title: `Replace ${label}: new value`, placeHolder: 'Where does the new value come from?' },
  );
  if (how?.id === 'type') {
    const text = await vscode.window.showInputBox({
      title: `Replace ${label}: new value`,
      prompt: 'The value is encrypted with Cloud KMS before upload; it is not shown, logged or saved.',
      password: true,
      ignoreFocusOut: true,
    });
    return text ? { bytes: Buffer.from(text, 'utf8'), from: 'typed' } : undefined;
  }
  if (how?.id === 'file') {
    const [uri] =
      (await vscode.window.showOpenDialog({
        title: `Replace ${label}: read the new value from`,
        canSelectMany: false,
      })) ?? [];
    return uri && readFile(uri);
  }
  return undefined;
}

async function readFile(uri: vscode.Uri): Promise<{ bytes: Buffer; from: string } | undefined> {
  const name = uri.path.split('/').pop() ?? uri.path;
  try {
    const { size } = await vscode.workspace.fs.stat(uri);
    if (size > MAX_SECRET_BYTES) {
      void vscode.window.showErrorMessage(`${overKmsLimit(name, size)} Nothing was read or sent.`);
      return undefined;
    }
    const read = await vscode.workspace.fs.readFile(uri);
    return { bytes: Buffer.from(read.buffer, read.byteOffset, read.byteLength), from: `from ${name}` }; // no copy left behind
  } catch (error) {
    void vscode.window.showErrorMessage(`Could not read ${name}: ${(error as Error).message}`);
    return undefined;
  }
}
