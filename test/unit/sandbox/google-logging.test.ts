// Cloud Logging routes of the sandbox through the real @google-cloud/logging client.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Logging } from '@google-cloud/logging';
import { gaxOptions, startGoogleOnly, workers, type GoogleOnlySandbox } from '../../sandbox/google/testing';

describe('sandbox Cloud Logging', () => {
  let sb: GoogleOnlySandbox;
  let logging: Logging;
  let project: string;

  before(async () => {
    sb = await startGoogleOnly();
    const fleet = workers(2);
    sb.gitlab.validTokens.add(fleet[0].runnerToken); // runner 2 is refused: it logs forbidden lines
    project = sb.google.seed('small', fleet).project;
    sb.clock.advance(10_000);
    sb.google.tick(sb.clock.now());
    // `fallback` (REST) is a gax option the LoggingOptions type does not list.
    logging = new Logging({
      ...gaxOptions(sb.port),
      fallback: true,
      projectId: project,
    } as unknown as ConstructorParameters<typeof Logging>[0]);
  });
  after(() => sb.close());

  const since = () => new Date(sb.clock.now() - 30 * 86_400_000).toISOString();

  it('lists the runner container entries by resource and labels, shaped like the gcplogs driver', async () => {
    const vm = sb.google.state.compute.vm(project, 'europe-west1-b', 'gitlab-runner-1');
    const [entries] = await logging.getEntries({
      filter: `resource.type="gce_instance" AND resource.labels.instance_id="${vm.id}" AND labels.container_name="gitlab-runner" AND timestamp >= "${since()}"`,
      orderBy: 'timestamp asc',
    });
    assert.ok(entries.length >= 5);
    const first = entries[0];
    assert.equal(first.metadata.logName, `projects/${project}/logs/gcplogs-docker-driver`);
    assert.equal(first.metadata.resource?.labels?.zone, 'europe-west1-b');
    assert.equal(first.metadata.resource?.labels?.project_id, project);
    assert.match(String((first.data as { data: string }).data), /Runtime platform/);
    assert.ok(first.metadata.insertId);
    const [byQuotedLabel] = await logging.getEntries({
      filter: `labels."compute.googleapis.com/resource_name"="gitlab-runner-1" AND timestamp >= "${since()}"`,
    });
    assert.ok(byQuotedLabel.length >= entries.length);
    assert.ok(
      byQuotedLabel.every((e) => e.metadata.labels?.['compute.googleapis.com/resource_name'] === 'gitlab-runner-1'),
    );
    assert.ok(first.metadata.receiveTimestamp);
  });

  it('filters by severity, logName, OR and order; pages', async () => {
    const [warnings] = await logging.getEntries({
      filter: `severity>=WARNING AND labels.container_name="gitlab-runner" AND timestamp >= "${since()}"`,
    });
    assert.ok(warnings.length > 0);
    assert.ok(warnings.every((e) => /forbidden|unhealthy/.test(String((e.data as { data: string }).data))));
    assert.ok(
      warnings.every(
        (e) =>
          e.metadata.resource?.labels?.instance_id ===
          sb.google.state.compute.vm(project, 'europe-west1-c', 'gitlab-runner-2').id,
      ),
    );
    const [scripts] = await logging.getEntries({
      filter: `logName="projects/${project}/logs/google_metadata_script_runner" AND timestamp >= "${since()}"`,
      orderBy: 'timestamp desc',
    });
    assert.ok(scripts.length > 0);
    const times = scripts.map((e) => new Date(e.metadata.timestamp as string).getTime());
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    );
    const [either] = await logging.getEntries({
      filter: `(severity=ERROR OR severity=WARNING) AND timestamp >= "${since()}"`,
    });
    assert.ok(either.every((e) => ['ERROR', 'WARNING'].includes(String(e.metadata.severity))));
    const [page, next] = await logging.getEntries({
      filter: `timestamp >= "${since()}"`,
      pageSize: 3,
      autoPaginate: false,
    });
    assert.equal(page.length, 3);
    assert.ok(next?.pageToken);
    await assert.rejects(
      logging.getEntries({ filter: 'severity>=(' }),
      (e: { code?: number; message?: string }) =>
        (e.code === 3 || e.code === 400) && /Invalid filter/.test(String(e.message)),
    );
  });

  it('writes entries and reads them back with a timestamp cursor', async () => {
    const log = logging.log('runner-ops-test');
    const cursor = new Date(Date.now() - 1_000).toISOString(); // the client stamps entries with the wall clock
    await log.write([
      log.entry(
        { resource: { type: 'global' }, severity: 'NOTICE', labels: { suite: 'logging' } },
        'hello from the test',
      ),
      log.entry({ resource: { type: 'global' }, severity: 'ERROR' }, { structured: true }),
    ]);
    const [entries] = await logging.getEntries({
      filter: `logName="projects/${project}/logs/runner-ops-test" AND timestamp > "${cursor}"`,
    });
    // The client adds its own instrumentation entry to the first write of a process.
    const back = entries.filter((e) => !JSON.stringify(e.data).includes('logging.googleapis.com/diagnostic'));
    assert.equal(back.length, 2);
    const text = back.find((e) => e.data === 'hello from the test');
    assert.equal(text?.metadata.severity, 'NOTICE');
    assert.equal(text?.metadata.labels?.suite, 'logging');
    assert.deepEqual((back.find((e) => typeof e.data === 'object')?.data as { structured?: boolean }).structured, true);
    const [none] = await logging.getEntries({
      filter: `logName="projects/${project}/logs/runner-ops-test" AND timestamp < "${cursor}"`,
    });
    assert.equal(none.length, 0);
  });
});
