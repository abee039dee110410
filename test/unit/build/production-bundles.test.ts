// The bundles the .vsix ships (esbuild --production: minified, pruned descriptors) against the
// sandbox: the integration suites run the dev build, so this is where a minifier or pruning
// mistake shows. (Minified class names once broke every KMS call: Google's serializer checks
// `constructor.name === 'Long'`.)
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildInto, type Build } from '../../../bench/build';
import { readSettings } from '../../../src/config/settings';
import { startSandbox, type Sandbox } from '../../sandbox/server';

let sandbox: Sandbox;
let build: Build;
before(async () => {
  build = buildInto(true);
  sandbox = await startSandbox({ seed: 'demo' });
});
after(() => sandbox.close());

const settings = () =>
  readSettings({
    get: <T>(key: string, fallback: T) =>
      ((sandbox.settings as Record<string, unknown>)[`runnerOps.${key}`] ?? fallback) as T,
  } as Parameters<typeof readSettings>[0]);
// The built file, not the source.
const bundle = (name: string) => require(join(build.dist, name));

test('gcp-secrets.js: every demo secret lists and decrypts through KMS', async () => {
  const port = bundle('gcp-secrets.js').secretsPort(settings());
  const secrets = await port.listGenerations(settings().secretsPrefix);
  assert.ok(secrets.length >= 3, `listed ${secrets.length}`);
  const outcomes = [];
  for (const secret of secrets) outcomes.push((await port.verify(secret.name, secret.generation)).outcome);
  assert.ok(
    outcomes.every((o) => o === 'primary' || o === 'older-version'),
    outcomes.join(', '),
  );
  await port.close?.();
});

test('gcp-compute.js: the demo VMs list through the pruned Compute descriptor', async () => {
  const adapter = new (bundle('gcp-compute.js').ComputeAdapter)(settings());
  const vms = await adapter.listWorkers();
  assert.deepEqual(vms.map((vm: { name: string }) => vm.name).sort(), [
    'gitlab-runner-a',
    'gitlab-runner-b',
    'gitlab-runner-c',
  ]);
  await adapter.close();
});

test('gitlab.js: the demo runners list', async () => {
  const { GitLabFleet } = bundle('gitlab.js');
  const fleet = new GitLabFleet(sandbox.url, sandbox.gitlabToken);
  const project = await fleet.project('infra/runner-fleet');
  assert.equal((await fleet.runners([project], true)).length, 3);
});

test('gcp-logging.js: the runner containers’ entries list through the REST-only client', async () => {
  const source = bundle('gcp-logging.js').logEntrySource(settings());
  const { entries } = await source.list({ filter: '', orderBy: 'timestamp desc', pageSize: 5 });
  assert.ok(entries.length > 0, 'the demo world logs');
  assert.ok(entries.every((e: { message: string; timestamp: string }) => typeof e.message === 'string' && e.timestamp));
});
