// The logging adapter against the sandbox's Cloud Logging, with the tail's cursor on top.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { LineBuffer } from '../../../src/core/tail/line-buffer';
import { LogEntryTailer } from '../../../src/core/tail/log-entry-tailer';
import { logEntrySource, type LoggingSettings } from '../../../src/gcp/logging';
import { startSandbox, type Sandbox } from '../../sandbox/server';
import type { GoogleSandbox } from '../../sandbox/google/index';

let sandbox: Sandbox;
let settings: LoggingSettings;

before(async () => {
  sandbox = await startSandbox({ seed: 'small' });
  settings = {
    gcpProject: sandbox.settings['runnerOps.gcp.project'] as string,
    credentials: 'none',
    endpoints: sandbox.settings['runnerOps.gcp.endpoints'] as LoggingSettings['endpoints'],
  };
});
after(() => sandbox.close());

test("the runner container's entries are polled once each, including ones sharing a timestamp", async () => {
  const logging = (sandbox.world.google as GoogleSandbox).state.logging;
  const project = settings.gcpProject;
  const write = (data: string, timestamp: string) =>
    logging.append({
      logName: `projects/${project}/logs/gcplogs-docker-driver`,
      resource: { type: 'gce_instance', labels: { instance_id: '42', zone: 'z', project_id: project } },
      timestamp,
      severity: 'WARNING',
      jsonPayload: { container: { name: '/gitlab-runner' }, data },
    });
  const filter = `resource.labels.instance_id="42" AND jsonPayload.container.name="/gitlab-runner"`;
  const tailer = new LogEntryTailer(logEntrySource(settings), filter);
  const buffer = new LineBuffer(100);
  const now = sandbox.world.clock.now();
  const t = new Date(now - 1000).toISOString();
  write('Checking for jobs... forbidden', t);
  assert.deepEqual(await tailer.poll(buffer), { gotData: true });
  write('Runner is unhealthy', t); // same timestamp, arrives after the first poll
  await tailer.poll(buffer);
  assert.equal(await tailer.poll(buffer).then((r) => r.gotData), false);
  assert.deepEqual(
    buffer.lines().map((l) => l.text),
    [`${t} WARNING Checking for jobs... forbidden`, `${t} WARNING Runner is unhealthy`],
  );
  const lists = sandbox.requests.all().filter((r) => r.path.startsWith('/v2/entries:list'));
  assert.equal(lists.length, 3);
});
