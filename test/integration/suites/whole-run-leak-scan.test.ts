// Last of all: one leak scan over everything the whole run produced (every log file of the
// session, the Runner Ops output channel included; the notifications left; the extension's
// globalState; the workbench's text; every screenshot in test-results/), with every value and
// token of every sandbox the suites started: each secret generation, every plaintext that went
// through a sandbox's KMS, every runner token issued (reset ones too) and the GitLab tokens.
// The Secrets and Rotation suites scan at their own end as well (notifications do not outlive a suite).
import * as assert from 'node:assert/strict';
import { startedSandboxes } from '../../sandbox/server';
import { addSandboxSecrets, LeakScan } from '../leak-scan';

suite('Leak scan over the whole run', () => {
  test('no value or token of any suite in any log, output channel, notification, memento or screenshot', async function () {
    if (startedSandboxes.length === 0) this.skip(); // a run that selected no suite with a sandbox
    const leaks = new LeakScan();
    for (const sandbox of startedSandboxes) addSandboxSecrets(leaks, sandbox);
    assert.ok(leaks.size > 10, `${leaks.size} values and tokens from ${startedSandboxes.length} sandboxes`);
    assert.deepEqual(await leaks.scan('whole-run-leak-scan'), []);
  });
});
