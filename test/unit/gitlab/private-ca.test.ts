// GitLab over HTTPS with a private certificate authority (runnerOps.gitlab.caFile). The sandbox
// sits behind a loopback TLS terminator whose certificate this file makes with openssl: a CA, a
// leaf for 127.0.0.1 signed by it, and another CA that signed nothing. Without the CA file the
// call fails once (not retried) with a message naming the certificate problem and nothing reaches
// GitLab; with it the call succeeds; with the wrong CA, or a bad file, it fails and says why.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { CHECKS, readAccessFacts, runChecklist, type ChecklistInput } from '../../../src/core/checklist';
import { Failure, isFailure } from '../../../src/core/failures';
import { FleetStore } from '../../../src/core/fleet-store';
import { fetchTokenIdentity, GitLabFleet, verifyRunnerToken } from '../../../src/gitlab/index';
import { privateCa } from '../../../src/gitlab/tls';
import { startSandbox, type Sandbox } from '../../sandbox/server';

let sandbox: Sandbox;
let dir: string;
let tls: Server;
let https: string;
/** TCP connections the terminator accepted (each is one try: the client refuses the certificate after the server sent it). */
let connections = 0;
const sockets = new Set<Socket>();
const file = (name: string) => join(dir, name);

function openssl(...args: string[]) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function makeCertificates() {
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  for (const ca of ['ca', 'other-ca'])
    openssl('req', '-x509', ...key, '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=${ca}`);
  openssl('req', ...key, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=gitlab.internal');
  writeFileSync(
    file('leaf.ext'),
    'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'leaf.pem',
    '-days',
    '2',
    '-extfile',
    'leaf.ext',
  );
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runner-ops-ca-'));
  makeCertificates();
  sandbox = await startSandbox({ seed: 'demo' });
  const port = Number(new URL(sandbox.url).port);
  tls = createServer({ key: readFileSync(file('leaf.key')), cert: readFileSync(file('leaf.pem')) }, (socket) => {
    const upstream = connect(port, '127.0.0.1');
    sockets.add(socket).add(upstream);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  tls.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
  https = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
});

after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => tls.close(resolve));
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What a call threw (it must throw), and what reached GitLab and the TLS port meanwhile. */
async function failing(call: () => Promise<unknown>) {
  const mark = sandbox.requests.mark();
  const before = connections;
  const error = await call().then(
    () => assert.fail('the call succeeded'),
    (e: unknown) => e,
  );
  assert.ok(isFailure(error), `a Failure, not ${String(error)}`);
  return {
    failure: error as Failure,
    reachedGitLab: sandbox.requests.since(mark).length,
    connections: connections - before,
  };
}

const identity = (caFile?: string) => fetchTokenIdentity(https, sandbox.gitlabToken, caFile);

test('without the CA file: one refused handshake, nothing reaches GitLab, and the message names the certificate problem and the fix', async () => {
  const { failure, reachedGitLab, connections: tries } = await failing(() => identity());
  assert.equal(
    failure.message,
    `GitLab at ${https} presented a certificate that is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate): it does not chain to the public certificate authorities or the system’s trust store. If your GitLab uses a private certificate authority, set runnerOps.gitlab.caFile to its PEM file (one set by a workspace is used once you allow it), or add it to the system's trust store (VS Code's http.systemCertificates). Runner Ops never turns certificate checks off.`,
  );
  assert.equal(failure.permanent, true, 'the poller does not hammer a server whose certificate is not trusted');
  assert.equal(reachedGitLab, 0);
  assert.equal(tries, 1, 'tried once: the certificate will not change by the next try');
});

test('with the CA file: the token is checked through the private CA (GitLab helpers, raw requests and runner verify)', async () => {
  const mark = sandbox.requests.mark();
  const who = await identity(file('ca.pem'));
  assert.equal(who.username, (await fetchTokenIdentity(sandbox.url, sandbox.gitlabToken)).username);
  const fleet = new GitLabFleet(https, sandbox.gitlabToken, file('ca.pem'));
  assert.ok(await fleet.isAdmin(), 'the demo token is an admin’s');
  const runners = await fleet.runners([], true);
  assert.ok(runners.length > 0, 'the runners list (with the first runners’ managers) came through TLS');
  assert.equal(await verifyRunnerToken(https, 'glrt-not-a-real-token-000', file('ca.pem')), false);
  const paths = sandbox.requests.since(mark).map((r) => `${r.method} ${r.path.split('?')[0]}`);
  assert.ok(paths.includes('GET /api/v4/user'), paths.join(', '));
  assert.ok(paths.includes('POST /api/v4/runners/verify'), paths.join(', '));
  assert.ok(
    paths.some((p) => /^GET \/api\/v4\/runners\/\d+\/managers$/.test(p)),
    paths.join(', '),
  );
});

test("the checklist's GitLab access row trusts the CA file the views use", async () => {
  const projects = sandbox.settings['runnerOps.gitlab.projects'] as string[];
  const session = { url: https, token: sandbox.gitlabToken, caFile: file('ca.pem') };
  const store = new FleetStore({
    projects,
    now: Date.now,
    compute: async () => undefined,
    gitlab: async () => new GitLabFleet(https, session.token, session.caFile),
  });
  const mark = sandbox.requests.mark();
  const facts = await readAccessFacts({
    configured: true,
    host: https,
    projects,
    session,
    identity: fetchTokenIdentity,
    store,
  });
  const input = { now: Date.now(), prefix: 'runners/' } as ChecklistInput;
  const unused = () => Promise.reject(new Error('not a GitLab check'));
  const [row] = await runChecklist(
    input,
    facts,
    {
      keyRing: unused,
      ping: unused,
      key: unused,
      bucket: unused,
      objects: unused,
      verify: unused,
      runnerConfig: unused,
      permissions: unused,
    },
    undefined,
    'gitlab',
  );
  assert.equal(row.title, CHECKS.find((c) => c.id === 'gitlab')?.title);
  assert.equal(row.outcome, 'pass', row.detail);
  assert.match(row.detail, /^Signed in to https:\/\/127\.0\.0\.1:\d+ as @/);
  const paths = sandbox.requests.since(mark).map((r) => `${r.method} ${r.path.split('?')[0]}`);
  assert.ok(paths.includes('GET /api/v4/user'), paths.join(', '));
});

test('with another CA file: refused the same way, naming the file that was trusted', async () => {
  const { failure, reachedGitLab } = await failing(() => identity(file('other-ca.pem')));
  assert.match(
    failure.message,
    new RegExp(
      `^GitLab at ${https.replace(/[.]/g, '\\.')} presented a certificate that is not trusted \\(UNABLE_TO_VERIFY_LEAF_SIGNATURE: .*\\): it does not chain to the certificate authority in ${file('other-ca.pem').replace(/[.]/g, '\\.')} \\(runnerOps\\.gitlab\\.caFile\\) and the public ones\\.`,
    ),
  );
  assert.equal(reachedGitLab, 0);
  const raw = await failing(() => verifyRunnerToken(https, 'glrt-not-a-real-token-000', file('other-ca.pem')));
  assert.match(raw.failure.message, /presented a certificate that is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
});

test('a bad CA file is refused before any connection, with a sentence naming the file and the problem', async () => {
  writeFileSync(file('empty.pem'), '');
  writeFileSync(file('notes.txt'), 'our CA is the one from IT\n');
  writeFileSync(file('key.pem'), readFileSync(file('ca.key')));
  const pem = readFileSync(file('ca.pem'), 'utf8');
  writeFileSync(file('cut.pem'), pem.slice(0, pem.length / 2));
  writeFileSync(file('garbled.pem'), pem.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA'));
  openssl('x509', '-in', 'ca.pem', '-outform', 'der', '-out', 'ca.der');
  mkdirSync(file('folder'), { recursive: true });
  const setting = 'runnerOps.gitlab.caFile';
  const cases: Array<[caFile: string, message: string]> = [
    [
      file('missing.pem'),
      `${setting}: ${file('missing.pem')} does not exist. Point the setting at the PEM file of your GitLab’s certificate authority.`,
    ],
    [
      file('empty.pem'),
      `${setting}: ${file('empty.pem')} is empty. Put the PEM certificate of your GitLab server’s certificate authority in it.`,
    ],
    [
      file('notes.txt'),
      `${setting}: ${file('notes.txt')} holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" block).`,
    ],
    [
      file('key.pem'),
      `${setting}: ${file('key.pem')} holds a private key, not a certificate. Give the certificate authority’s certificate (never a key).`,
    ],
    [
      file('cut.pem'),
      `${setting}: ${file('cut.pem')} has a certificate that is cut off (no "-----END CERTIFICATE-----" line).`,
    ],
    [
      file('garbled.pem'),
      `${setting}: ${file('garbled.pem')} has a certificate block (number 1) that is not a valid certificate.`,
    ],
    [
      file('ca.der'),
      `${setting}: ${file('ca.der')} is not PEM text (a binary DER file?). Convert it: openssl x509 -inform der -in ca.der -out ca.pem.`,
    ],
    [file('folder'), `${setting}: ${file('folder')} is a folder; point the setting at the PEM file itself.`],
    [
      'certs/ca.pem',
      `${setting} is the relative path "certs/ca.pem"; give an absolute path (or one starting with ~/), e.g. /etc/ssl/certs/my-ca.pem.`,
    ],
  ];
  const said = [];
  for (const [caFile, message] of cases) {
    const { failure, reachedGitLab, connections: tries } = await failing(() => identity(caFile));
    said.push({ caFile, kind: failure.kind, reachedGitLab, tries });
    assert.equal(failure.message, message);
  }
  assert.deepEqual(
    said.filter((s) => s.kind !== 'invalid' || s.reachedGitLab !== 0 || s.tries !== 0),
    [],
    'no connection for a bad file',
  );
});

test('~/ in the setting is the home folder', async () => {
  const home = process.env.HOME;
  process.env.HOME = dir;
  try {
    assert.ok((await identity('~/ca.pem')).username);
  } finally {
    process.env.HOME = home;
  }
});

test('over plain http the CA file is not read (nothing to verify), and a fixed file is picked up without a restart', async () => {
  assert.equal(await privateCa(file('missing.pem'))!.dispatcherFor(new URL(sandbox.url)), undefined);
  const ca = privateCa(file('later.pem'))!;
  await assert.rejects(ca.dispatcherFor(new URL(https)), Failure);
  writeFileSync(file('later.pem'), readFileSync(file('ca.pem')));
  assert.ok(await ca.dispatcherFor(new URL(https)));
});

test('the dispatcher carries its CA where VS Code’s fetch patch reads it, so proxies and the CA work together', async () => {
  // @vscode/proxy-agent (createFetchPatch -> getAgentOptions) replaces a request's dispatcher with
  // its own, taking `connect.ca` from the dispatcher's Symbol('options'): the CA must be there.
  const dispatcher = (await privateCa(file('ca.pem'))!.dispatcherFor(new URL(https))) as object;
  const options = Object.getOwnPropertySymbols(dispatcher).find((s) => s.description === 'options');
  const ca = (dispatcher as Record<symbol, { connect?: { ca?: string[] } }>)[options!]?.connect?.ca ?? [];
  assert.ok(ca.includes(readFileSync(file('ca.pem'), 'utf8').trim()), 'the private CA');
  assert.ok(ca.length > 100, 'and the public roots besides');
});

test('no source file turns certificate verification off', () => {
  const sources = (d: string): string[] =>
    readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? sources(join(d, n)) : [join(d, n)]));
  const offenders = sources('src').filter((f) =>
    /rejectUnauthorized|NODE_TLS_REJECT_UNAUTHORIZED|checkServerIdentity|strictSSL/.test(readFileSync(f, 'utf8')),
  );
  assert.deepEqual(offenders, []);
});
