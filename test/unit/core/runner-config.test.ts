// The config.toml token edit: only the token's bytes change (comments, spacing, CRLF, other
// entries and sub-tables survive), the right one of two entries is edited, and anything that
// does not match exactly is refused with a sentence that names no token.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { replaceRunnerToken, runnerEntries, sameGitLabUrl } from '../../../src/core/runner-config';

const URL = 'https://gitlab.example.com';
const OLD = 'glrt-oldOldOld123';
const NEW = 'glrt-NewNewNew456';

const CONFIG = `# managed by terraform
concurrent = 2   # two jobs at once
check_interval = 0

[session_server]
  session_timeout = 1800

[[runners]]
  name = "gitlab-runner-a"
  url = "${URL}/"
  id = 12
  token = "${OLD}"  # rotated by Runner Ops
  token_obtained_at = 2024-05-01T10:00:00Z
  token_expires_at = 0001-01-01T00:00:00Z
  executor = "shell"
  [runners.custom_build_dir]
  [runners.cache]
    MaxUploadedArchiveSize = 0
`;

/** The positions where two strings differ. */
function diffPositions(a: string, b: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

test('replaces only the token: every other byte is identical', () => {
  const edit = replaceRunnerToken(CONFIG, URL, OLD, NEW);
  assert.ok(edit.ok, JSON.stringify(edit));
  assert.equal(edit.text, CONFIG.replace(OLD, NEW));
  const start = CONFIG.indexOf(OLD);
  const changed = diffPositions(CONFIG, edit.text);
  assert.ok(changed.length > 0 && changed.every((i) => i >= start && i < start + OLD.length), String(changed));
  assert.equal(runnerEntries(edit.text)[0].token, NEW);
});

test('keeps CRLF line endings and single-quoted literal strings', () => {
  const crlf = `[[runners]]\r\n  url = '${URL}'\r\n  token = '${OLD}'\r\n  executor = "shell"\r\n`;
  const edit = replaceRunnerToken(crlf, URL, OLD, NEW);
  assert.ok(edit.ok, JSON.stringify(edit));
  assert.equal(edit.text, crlf.replace(OLD, NEW));
});

test('with two entries, edits the one whose url and token match and leaves the other alone', () => {
  const other = 'glrt-otherOther789';
  const two = `${CONFIG}
[[runners]]
  name = "second"
  url = "${URL}"
  token = "${other}"
  executor = "docker"
`;
  const edit = replaceRunnerToken(two, URL, other, NEW);
  assert.ok(edit.ok, JSON.stringify(edit));
  assert.equal(edit.text, two.replace(other, NEW));
  const [first, second] = runnerEntries(edit.text);
  assert.equal(first.token, OLD);
  assert.equal(second.token, NEW);
});

test('the same token under another GitLab url is not touched', () => {
  const elsewhere = CONFIG.replace(`${URL}/`, 'https://other.example.com');
  const edit = replaceRunnerToken(elsewhere, URL, OLD, NEW);
  assert.deepEqual(edit, { ok: false, reason: `config.toml was not changed: it has no [[runners]] entry for ${URL}.` });
});

test('no entry holds the current token: a clear refusal that names no token', () => {
  const edit = replaceRunnerToken(CONFIG, URL, 'glrt-notThisOne000', NEW);
  assert.equal(edit.ok, false);
  if (edit.ok) return;
  assert.equal(
    edit.reason,
    `config.toml was not changed: none of its 1 [[runners]] entries for ${URL} holds the runner's current token.`,
  );
  assert.doesNotMatch(edit.reason, /glrt-/);
});

test('two entries holding the same token are refused, not guessed', () => {
  const twice = `${CONFIG}\n[[runners]]\n  url = "${URL}"\n  token = "${OLD}"\n`;
  const edit = replaceRunnerToken(twice, URL, OLD, NEW);
  assert.equal(edit.ok, false);
  if (!edit.ok) assert.match(edit.reason, /2 \[\[runners\]\] entries .* hold the same token/);
});

test('an inline runners array, a token in a sub-table only, or bad TOML are refused', () => {
  const inline = `runners = [{ url = "${URL}", token = "${OLD}" }]\n`;
  const inlineEdit = replaceRunnerToken(inline, URL, OLD, NEW);
  assert.equal(inlineEdit.ok, false);
  if (!inlineEdit.ok) assert.match(inlineEdit.reason, /not written as a \[\[runners\]\] table/);

  const bad = replaceRunnerToken('[[runners]\nurl = 1', URL, OLD, NEW);
  assert.deepEqual(bad, { ok: false, reason: 'config.toml was not changed: config.toml is not valid TOML.' });
});

test('a new token that would need escaping is refused before anything is edited', () => {
  const edit = replaceRunnerToken(CONFIG, URL, OLD, 'glrt-"quoted"');
  assert.equal(edit.ok, false);
  if (!edit.ok) assert.match(edit.reason, /unexpected shape/);
});

test('urls compare without a trailing slash', () => {
  assert.ok(sameGitLabUrl('https://GitLab.example.com/', 'https://gitlab.example.com'));
  assert.ok(!sameGitLabUrl('https://gitlab.example.com/a', 'https://gitlab.example.com'));
});
