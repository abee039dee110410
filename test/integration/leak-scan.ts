// The leak scan the secrets-related suites end with: every plaintext value and token a suite
// used is searched for in every log file of this VS Code session (the Runner Ops output channel
// included), every notification, the extension's globalState (mementos: the operation journals),
// the text the workbench renders now, and every screenshot file in test-results/. Found nowhere,
// or the scan names where (never the value itself).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { GitLabHalf } from '../sandbox/gitlab/index';
import type { GoogleSandbox } from '../sandbox/google/index';
import type { Sandbox } from '../sandbox/server';
import { ui } from './bridge';

const api = () => vscode.extensions.getExtension('runner-ops.runner-ops')!.exports;

/** Shorter fragments would match by chance (a PEM header, "concurrent = 1"). */
const MIN_NEEDLE = 12;

export class LeakScan {
  private readonly needles = new Map<string, string>();

  /**
   * Adds a value and its telling fragments: each `glrt-` token, each long base64 run (a key's
   * body lines), each JSON string value that looks secret. `what` names it in a finding.
   */
  add(what: string, value: string): void {
    const fragments = [
      value.trim(),
      ...(value.match(/glrt-[\w-]+/g) ?? []),
      ...(value.match(/[A-Za-z0-9+/=_-]{24,}/g) ?? []),
      ...[...value.matchAll(/"(?:private_key_id|private_key|client_email|client_id)":\s*"([^"]+)"/g)].map((m) => m[1]),
    ];
    for (const fragment of fragments) if (fragment.length >= MIN_NEEDLE) this.needles.set(fragment, what);
  }

  get size(): number {
    return this.needles.size;
  }

  /** Where each needle was found, as "source: what"; empty when nothing leaked. */
  async scan(screenshotName: string): Promise<string[]> {
    const sources: Array<{ where: string; text: string | Buffer }> = [];
    for (const file of walk(sessionLogsDir())) sources.push({ where: `log ${file}`, text: readFileSync(file) });
    for (const note of await ui.notifications()) sources.push({ where: 'notification', text: note });
    const state = api().services.context.globalState as vscode.Memento;
    for (const key of state.keys()) sources.push({ where: `globalState ${key}`, text: JSON.stringify(state.get(key)) });
    sources.push({ where: 'workbench text', text: await ui.pageText() });
    const shot = await ui.screenshot(screenshotName);
    for (const file of walk(dirname(shot)).filter((f) => f.endsWith('.png')))
      sources.push({ where: `screenshot ${basename(file)}`, text: readFileSync(file) });
    const found: string[] = [];
    for (const { where, text } of sources) {
      for (const [needle, what] of this.needles) {
        if (typeof text === 'string' ? text.includes(needle) : text.includes(needle, 0, 'utf8'))
          found.push(`${where}: ${what}`);
      }
    }
    if (sources.filter((s) => s.where.startsWith('log ')).length === 0) found.push('no log file found to scan');
    return [...new Set(found)];
  }
}

/**
 * Every value the sandbox holds or held that must never show: each generation of each secret in
 * the bucket (decrypted while its key version still can), every plaintext its KMS encrypted or
 * decrypted, every runner token it issued (reset ones too), the GitLab tokens.
 */
export function addSandboxSecrets(scan: LeakScan, sandbox: Sandbox): void {
  const google = sandbox.world.google as GoogleSandbox;
  const bucket = google.state.storage.bucket(sandbox.settings['runnerOps.secrets.bucket'] as string);
  const key = sandbox.settings['runnerOps.secrets.kmsKey'] as string;
  for (const [name, generations] of bucket.objects) {
    for (const object of generations) {
      try {
        scan.add(`${name}#${object.generation}`, google.state.kms.decrypt(key, object.data).plaintext.toString('utf8'));
      } catch {
        // under a version that is not enabled now: its value was added when it still was
      }
    }
  }
  for (const plaintext of google.state.kms.plaintextsSeen) scan.add('a value that went through KMS', plaintext);
  const gitlab = sandbox.world.gitlab as GitLabHalf;
  for (const token of gitlab.state.runnerTokensIssued) scan.add('a runner token', token);
  for (const [which, token] of Object.entries(sandbox.tokens)) scan.add(`GitLab ${which} token`, String(token));
}

/** The session's logs folder (…/logs/<timestamp>/), found from the extension's own log folder. */
function sessionLogsDir(): string {
  const start = (api().services.context as vscode.ExtensionContext).logUri.fsPath;
  for (let dir = start; dirname(dir) !== dir; dir = dirname(dir)) if (/^\d{8}T\d{6}$/.test(basename(dir))) return dir;
  throw new Error(`no session logs folder (…/logs/<timestamp>) above ${start}`);
}

function walk(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
