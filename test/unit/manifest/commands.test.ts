// Command ids and titles are an interface: keybindings, scripts, walkthroughs and operators'
// muscle memory use them. Once shipped, an id keeps its title; new commands may be added.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
const commands: Array<{ command: string; title: string; category?: string }> = manifest.contributes.commands;

const SHIPPED: Record<string, string> = {
  'runnerOps.signIn': 'Sign in to GitLab',
  'runnerOps.signOut': 'Sign out of GitLab',
  'runnerOps.refresh': 'Refresh',
  'runnerOps.openSettings': 'Open Settings',
  'runnerOps.showFailureDetails': 'Show Failure Details',
  'runnerOps.pauseRunner': 'Pause Runner',
  'runnerOps.resumeRunner': 'Resume Runner',
  'runnerOps.openRunnerInGitLab': 'Open Runner in GitLab',
  'runnerOps.copyRunnerId': 'Copy Runner ID',
  'runnerOps.retryPipeline': 'Retry Pipeline',
  'runnerOps.cancelPipeline': 'Cancel Pipeline',
  'runnerOps.openPipelineInGitLab': 'Open Pipeline in GitLab',
  'runnerOps.loadMorePipelines': 'Load More Pipelines',
  'runnerOps.showAllRows': 'Show All Rows',
  'runnerOps.runSchedule': 'Run Schedule Now',
  'runnerOps.copyVmIp': 'Copy VM IP Address',
  'runnerOps.copyVmSshCommand': 'Copy gcloud SSH Command',
  'runnerOps.openVmInCloudConsole': 'Open VM in Cloud Console',
  'runnerOps.tailWorkerLog': 'Tail Worker Console',
  'runnerOps.tailWorkerSerialPort': 'Tail Worker Serial Port…',
  'runnerOps.tailRunnerLog': 'Tail Runner Container Logs',
  'runnerOps.tailJobLog': 'Follow Job Trace',
  'runnerOps.stopTail': 'Stop Tail',
  'runnerOps.resumeTail': 'Resume Tail',
  'runnerOps.clearTail': 'Clear Tail',
  'runnerOps.showTails': 'Show Live Tails',
  'runnerOps.runChecklist': 'Run Bootstrap Checklist',
  'runnerOps.verifySecret': 'Verify Secret (decrypt check)',
  'runnerOps.verifyAllSecrets': 'Verify All Secrets',
  'runnerOps.updateSecret': 'Replace Secret…',
  'runnerOps.rollbackSecret': 'Roll Back Secret to This Generation',
  'runnerOps.rotateRunnerToken': 'Rotate Runner Token…',
  'runnerOps.rotateSecrets': 'Rotate KMS Key and Re-encrypt Secrets',
  'runnerOps.whyPending': 'Why Is This Job Pending?',
  'runnerOps.revealSecret': 'Reveal Secret…',
  'runnerOps.reprovisionWorker': 'Re-provision Worker',
  'runnerOps.showReprovisionHistory': 'Show Re-provision History',
  'runnerOps.exportChecklist': 'Export Checklist',
  'runnerOps.rerunCheck': 'Run This Check Again',
  'runnerOps.copyCheckFix': 'Copy gcloud Equivalent',
  'runnerOps.applyCheckFix': 'Apply Fix',
};

test('every shipped command keeps its id and title', () => {
  const now = Object.fromEntries(commands.map((c) => [c.command, c.title]));
  for (const [id, title] of Object.entries(SHIPPED)) assert.equal(now[id], title, id);
});

test('every command is in the Runner Ops category, once', () => {
  const ids = commands.map((c) => c.command);
  assert.deepEqual(
    ids.filter((id, i) => ids.indexOf(id) !== i),
    [],
    'duplicate ids',
  );
  assert.deepEqual(
    commands.filter((c) => c.category !== 'Runner Ops').map((c) => c.command),
    [],
  );
});

test('every menu entry names a contributed command', () => {
  const ids = new Set(commands.map((c) => c.command));
  for (const [menu, entries] of Object.entries(
    manifest.contributes.menus as Record<string, Array<{ command?: string }>>,
  ))
    for (const entry of entries) if (entry.command) assert.ok(ids.has(entry.command), `${menu}: ${entry.command}`);
});
