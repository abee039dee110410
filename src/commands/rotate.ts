// Rotate KMS Key and Re-encrypt Secrets: the plan document, a confirmation, the persisted steps
// of src/core/rotation.ts with cancellable progress (resumable after a stop or a reload), the
// report document, then, only when nothing current needs them, an offer to disable the old
// versions and, after that, to schedule their destruction (the key's name typed back).
import * as vscode from 'vscode';
import { refusedUntrusted } from './trust';
import { stoppedSentence, type Journal } from '../core/operation';
import {
  disableOldVersions,
  keyId,
  planRotation,
  rotationSteps,
  scheduleDestruction,
  ROTATION_KIND,
  type RotationPort,
  type RotationState,
} from '../core/rotation';
import {
  destroyPrompt,
  disableQuestion,
  planDocument,
  reportDocument,
  retireBlocker,
  rotationQuestion,
  type RetireReport,
} from '../core/rotation-text';
import { targetProblem } from '../core/secret-write';
import { plural } from '../core/names';
import { loadSecrets } from '../lazy';
import type { Services } from '../services';
import { confirmation } from './confirm';
import { confirmByTypingName, journals, runWithProgress, showDocument } from './operation-ui';

const COMMAND = 'runnerOps.rotateSecrets';

export interface RotateResult {
  outcome: 'done' | 'cancelled' | 'failed' | 'declined' | 'refused';
  /** The versions disabled at the end, if the operator agreed. */
  disabled?: number[];
}

type Port = RotationPort & { close(): Promise<void> };

export function register(context: vscode.ExtensionContext, services: Services): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(COMMAND, (args?: { resume?: string }) => rotate(services, args)),
  );
}

async function rotate(services: Services, args?: { resume?: string }): Promise<RotateResult> {
  if (refusedUntrusted(COMMAND)) return { outcome: 'refused' };
  const settings = services.settings();
  const problem = targetProblem(settings.secretsBucket, settings.kmsKey);
  if (problem) {
    void vscode.window
      .showErrorMessage(`Nothing was changed: ${problem}`, 'Open Settings')
      .then((c) => c && vscode.commands.executeCommand('runnerOps.openSettings', 'runnerOps.secrets'));
    return { outcome: 'refused' };
  }
  const where = { key: settings.kmsKey, bucket: settings.secretsBucket, prefix: settings.secretsPrefix };
  let opened: Promise<Port> | undefined;
  const port = () => (opened ??= loadSecrets().then(({ rotationPort }) => rotationPort(settings)));
  try {
    const journal = await journalToRun(services, where, port, args?.resume !== undefined);
    if (!journal) return { outcome: 'declined' };
    const outcome = await runWithProgress(services, {
      journal,
      steps: rotationSteps(port, journal.state),
      progressTitle: `Rotating ${keyId(where.key)}`,
    });
    if (outcome.outcome !== 'done') return { outcome: outcome.outcome };
    return await finish(services, await port(), journal.state);
  } catch (error) {
    services.failures.record(error as Error);
    void vscode.window.showErrorMessage(
      `Rotating ${keyId(where.key)} failed before it started: ${(error as Error).message}`,
    );
    return { outcome: 'failed' };
  } finally {
    void services.secrets()?.refresh();
    if (opened) void opened.then((p) => p.close()).catch(() => undefined);
  }
}

/** The run to do: an unfinished one (resumed, or discarded when the operator says so), or a new confirmed plan. */
async function journalToRun(
  services: Services,
  where: { key: string; bucket: string; prefix: string },
  port: () => Promise<Port>,
  resume: boolean,
): Promise<Journal<RotationState> | undefined> {
  const store = journals(services);
  const unfinished = store.find<RotationState>(ROTATION_KIND, where.key);
  if (unfinished && !resume) {
    const stopped = stoppedSentence(unfinished as Journal<unknown>, rotationSteps(port, unfinished.state));
    const choice = await vscode.window.showWarningMessage(
      `${unfinished.title} ${stopped}. Resume it, or discard it and plan a new rotation?`,
      'Resume',
      'Discard and Plan Again',
    );
    if (choice === 'Resume') return unfinished;
    if (choice !== 'Discard and Plan Again') return undefined;
    await store.discard(unfinished);
  } else if (unfinished) {
    return unfinished;
  } else if (resume) {
    void vscode.window.showInformationMessage(
      `Nothing to resume: the rotation of ${keyId(where.key)} finished or was discarded. Run the command again to plan a new one.`,
    );
    return undefined;
  }
  const { state, facts } = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Planning the rotation of ${keyId(where.key)}…` },
    async () => planRotation(await port(), where),
  );
  await showDocument(`Plan: rotate ${keyId(where.key)}.md`, planDocument(state, facts, Date.now()));
  if (!(await confirmation.ask(rotationQuestion(state), 'Rotate and Re-encrypt'))) return undefined;
  return {
    kind: ROTATION_KIND,
    target: where.key,
    command: COMMAND,
    title: `Rotate ${keyId(where.key)}`,
    startedAt: Date.now(),
    done: [],
    state,
  };
}

/** The report, then the old versions: disabled only once nothing current needs them, and only if the operator agrees. */
async function finish(services: Services, port: Port, state: RotationState): Promise<RotateResult> {
  const name = keyId(state.key);
  let facts = await port.describeKey();
  const retire: RetireReport = {};
  const show = () => showDocument(`Report: rotate ${name}.md`, reportDocument(state, facts, retire, Date.now()));
  const summary = `Rotated ${name}: ${rotatedSummary(state)}`;
  retire.notDisabled = retireBlocker(state, facts);
  await show();
  if (retire.notDisabled) {
    services.failures.note('warn', `${summary} ${retire.notDisabled}`);
    void vscode.window.showWarningMessage(`${summary} ${retire.notDisabled}`);
    return { outcome: 'done' };
  }
  if (!(await confirmation.ask(disableQuestion(state, facts), 'Disable Old Versions'))) {
    retire.notDisabled = 'Kept enabled: the operator chose not to disable them now.';
    await show();
    void vscode.window.showInformationMessage(`${summary} The old versions stay enabled.`);
    return { outcome: 'done' };
  }
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Disabling the old versions of ${name}…` },
    () => disableOldVersions(port, state),
  );
  if (result.outcome === 'needed') {
    retire.notDisabled = retireBlocker(state, facts);
    await show();
    void vscode.window.showWarningMessage(`${summary} Nothing was disabled: ${retire.notDisabled}`);
    return { outcome: 'done' };
  }
  facts = result.facts;
  retire.disabled = result.versions;
  await show();
  const disabled = `${result.versions.length === 1 ? 'version' : 'versions'} ${result.versions.join(', ')}`;
  services.failures.note('info', `${summary} Disabled ${disabled}.`);
  void vscode.window
    .showInformationMessage(`${summary} Disabled ${disabled}.`, 'Schedule Destruction…')
    .then((choice) => choice && destroy(services, state, result.versions));
  return { outcome: 'done', disabled: result.versions };
}

function rotatedSummary(state: RotationState): string {
  const count = (status: string) => state.secrets.filter((s) => s.status === status).length;
  const under = count('reencrypted') + count('already');
  const parts = [
    `${plural(under, 'secret')} under version ${state.newVersion} (primary)`,
    `${count('reencrypted')} re-encrypted and read back`,
    count('unreadable') ? `${count('unreadable')} cannot be decrypted` : '',
    count('mismatch') ? `${count('mismatch')} did not read back (roll back!)` : '',
  ].filter(Boolean);
  return `${parts.join(', ')}.`;
}

/** Scheduling destruction: its own confirmation, the key's name typed back, the delay said. */
async function destroy(services: Services, state: RotationState, versions: number[]): Promise<void> {
  const settings = services.settings();
  const { rotationPort } = await loadSecrets();
  const port = rotationPort(settings);
  try {
    const facts = await port.describeKey();
    const typed = await confirmByTypingName(
      `Schedule destruction: ${keyId(state.key)}`,
      destroyPrompt(state, facts, versions, Date.now()),
      keyId(state.key),
    );
    if (!typed) return;
    const after = await scheduleDestruction(port, versions);
    await showDocument(
      `Report: rotate ${keyId(state.key)}.md`,
      reportDocument(state, after, { disabled: versions, destroyScheduled: after }, Date.now()),
    );
    const line = `${keyId(state.key)}: ${versions.length === 1 ? 'version' : 'versions'} ${versions.join(', ')} scheduled for destruction; restorable until then.`;
    services.failures.note('warn', line);
    void vscode.window.showInformationMessage(line);
  } catch (error) {
    services.failures.record(error as Error);
    void vscode.window.showErrorMessage(`Scheduling destruction failed: ${(error as Error).message}`);
  } finally {
    void port.close().catch(() => undefined);
  }
}
