// The bad-input corpus: every value below is something an operator could type, paste or pick, and
// each must be refused before any request with exactly the sentence shown, naming the problem and
// the fix. One row per input; docs/reliability.md counts them. Server answers of unexpected shape
// are in test/unit/gitlab/unexpected-answers.test.ts.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readSettings } from '../../../src/config/settings';
import { normalizeGitLabUrl } from '../../../src/core/gitlab-host';
import {
  bucketNameProblem,
  endpointProblem,
  gitlabTokenProblem,
  instanceFilterProblem,
  kmsKeyNameProblem,
  projectRefProblem,
  zoneProblem,
} from '../../../src/core/input-checks';
import { caFilePathProblem, readCaPem } from '../../../src/core/private-ca';
import { refuseValue } from '../../../src/core/secret-write';

const urlProblem = (url: string) => {
  try {
    normalizeGitLabUrl(url);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};
/** What the settings say when one key holds `value` (every other key at its default). */
const settingProblems = (key: string, value: unknown) =>
  readSettings({ get: <T>(k: string, d: T) => (k === key ? (value as T) : d) }).problems.join(' | ');
const text = (s: string) => new TextEncoder().encode(s);
/** What runnerOps.gitlab.caFile's contents say when the file holds `pem` (test/unit/gitlab/private-ca.test.ts reads real files). */
const caFileProblem = (pem: string) => {
  const read = readCaPem(pem, '/etc/ssl/ca.pem', new Date('2030-01-01T00:00:00Z'));
  return 'problem' in read ? read.problem : undefined;
};
/** A self-signed CA (openssl, P-256) valid 2026-12-02 to 2026-12-04: long expired by the date above. */
const SHORT_LIVED_CA = `-----BEGIN CERTIFICATE-----
MIIBezCCASGgAwIBAgIUL/t11kzrG6aLO1Me76EmkgeH9YowCgYIKoZIzj0EAwIw
EzERMA8GA1UEAwwIT2xkIFRlc3QwHhcNMjYxMjAyMDg1NDAxWhcNMjYxMjA0MDg1
NDAxWjATMREwDwYDVQQDDAhPbGQgVGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEH
A0IABH5EyADq9UDEzyts9+J/guWaQ0XvuvAnk0MjpALd+YTuJ5xAzaDZJpgsRmMz
cO78+7F/Owpo4/ZsuJBWe/jAYcKjUzBRMB0GA1UdDgQWBBTKOhvFXFhdOemISpuF
880CDkPixTAfBgNVHSMEGDAWgBTKOhvFXFhdOemISpuF880CDkPixTAPBgNVHRMB
Af8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIEytTmwTPccz6lbtHiW850CHwTXY
xh11BoX27xsSaToRAiEA97KkVVSKHOa52c4lBktWcMO8qCJ8MliTFWKFvmb1n1I=
-----END CERTIFICATE-----`;

type Row = [input: unknown, message: string];
const corpus: Array<{ what: string; check: (input: never) => string | undefined; rows: Row[] }> = [
  {
    what: 'GitLab URL',
    check: urlProblem,
    rows: [
      ['', 'The GitLab URL is empty. Enter the address of your GitLab server, e.g. https://gitlab.example.com'],
      ['   ', 'The GitLab URL is empty. Enter the address of your GitLab server, e.g. https://gitlab.example.com'],
      [
        'https://user:pass@gitlab.example.com',
        'The GitLab URL carries a user name or password (before the @). Remove it: the token goes in the token prompt, never in the URL.',
      ],
      [
        'https://glpat-abc@gitlab.example.com',
        'The GitLab URL carries a user name or password (before the @). Remove it: the token goes in the token prompt, never in the URL.',
      ],
      [
        'ftp://gitlab.example.com',
        'The GitLab URL uses ftp:; GitLab is reached over https (or http for a local server).',
      ],
      [
        'javascript:alert(1)',
        '"javascript:alert(1)" is not a URL. Enter the address of your GitLab server, e.g. https://gitlab.example.com',
      ],
      ['file:///etc/passwd', 'The GitLab URL uses file:; GitLab is reached over https (or http for a local server).'],
      [
        'ssh://git@gitlab.com/group/project.git',
        'The GitLab URL uses ssh:; GitLab is reached over https (or http for a local server).',
      ],
      [
        'git@gitlab.com:group/project.git',
        '"git@gitlab.com:group/project.git" is not a URL. Enter the address of your GitLab server, e.g. https://gitlab.example.com',
      ],
      [
        'https://gitlab.example.com/?private_token=x',
        '"https://gitlab.example.com/" is followed by a query or fragment (? or #). Enter the address of your GitLab server only, e.g. https://gitlab.example.com',
      ],
      [
        'https://gitlab.example.com/#/dashboard',
        '"https://gitlab.example.com/" is followed by a query or fragment (? or #). Enter the address of your GitLab server only, e.g. https://gitlab.example.com',
      ],
      [
        'http://[::1',
        '"http://[::1" is not a URL. Enter the address of your GitLab server, e.g. https://gitlab.example.com',
      ],
      [
        'https://exa mple.com',
        '"https://exa mple.com" is not a URL. Enter the address of your GitLab server, e.g. https://gitlab.example.com',
      ],
      [
        'ws://gitlab.example.com',
        'The GitLab URL uses ws:; GitLab is reached over https (or http for a local server).',
      ],
    ],
  },
  {
    what: 'token at sign-in',
    check: gitlabTokenProblem,
    rows: [
      ['', 'Paste a personal access token.'],
      ['   ', 'Paste a personal access token.'],
      [
        'glrt-t1_AbCdEfGhIjKlMnOpQrSt',
        'This is a runner authentication token (it belongs in config.toml), not a personal access token. Create a personal access token with the api scope (User settings > Access tokens).',
      ],
      [
        'gldt-AbCdEfGhIjKlMnOpQrSt',
        'This is a deploy token (it can only clone and pull), not a personal access token. Create a personal access token with the api scope (User settings > Access tokens).',
      ],
      [
        'GR1348941AbCdEfGhIjKlMnOp',
        'This is a runner registration token, not a personal access token. Create a personal access token with the api scope (User settings > Access tokens).',
      ],
      [
        'glptt-0123456789abcdef0123',
        'This is a pipeline trigger token, not a personal access token. Create a personal access token with the api scope (User settings > Access tokens).',
      ],
      [
        'glcbt-64_AbCdEfGhIjKlMnOpQ',
        'This is a CI/CD job token, not a personal access token. Create a personal access token with the api scope (User settings > Access tokens).',
      ],
      [
        'glft-AbCdEfGhIjKlMnOpQrSt',
        'This is a feed token, not a personal access token. Create a personal access token with the api scope (User settings > Access tokens).',
      ],
      [
        'glimt-AbCdEfGhIjKlMnOpQrS',
        'This is an incoming email token, not a personal access token. Create a personal access token with the api scope (User settings > Access tokens).',
      ],
      [
        'glagent-AbCdEfGhIjKlMnOpQrSt',
        'This is an agent for Kubernetes token, not a personal access token. Create a personal access token with the api scope (User settings > Access tokens).',
      ],
      [
        'gloas-AbCdEfGhIjKlMnOpQrSt',
        'This is an OAuth application secret, not a personal access token. Create a personal access token with the api scope (User settings > Access tokens).',
      ],
      ['glpat-abc def-ghijklmnopqrs', 'The token contains spaces or line breaks: paste the token alone.'],
      ['glpat-short', 'The token is 11 characters long; GitLab tokens are at least 20.'],
      ['Bearer glpat-AbCdEfGhIjKlMnOpQrSt', 'Paste the token alone, without "Bearer" or a header name.'],
    ],
  },
  {
    what: 'project in runnerOps.gitlab.projects',
    check: projectRefProblem,
    rows: [
      [
        0,
        "Project id 0 is not a positive whole number. Use the id from the project's overview page, or its path (group/project).",
      ],
      [
        -3,
        "Project id -3 is not a positive whole number. Use the id from the project's overview page, or its path (group/project).",
      ],
      [
        1.5,
        "Project id 1.5 is not a positive whole number. Use the id from the project's overview page, or its path (group/project).",
      ],
      [
        2 ** 60,
        "Project id 1152921504606847000 is not a positive whole number. Use the id from the project's overview page, or its path (group/project).",
      ],
      ['', 'A project entry is empty. Use group/project or the numeric project id.'],
      ['  ', 'A project entry is empty. Use group/project or the numeric project id.'],
      [
        'https://gitlab.com/group/project',
        '"https://gitlab.com/group/project" is an address; use the project\'s path (group/project), without the server.',
      ],
      [
        'git@gitlab.com:group/project.git',
        '"git@gitlab.com:group/project.git" is an address; use the project\'s path (group/project), without the server.',
      ],
      ['group/project.git', '"group/project.git" ends in .git; use the project\'s path without it.'],
      ['/group/project', '"/group/project" has a leading or trailing slash; use group/project.'],
      ['group/project/', '"group/project/" has a leading or trailing slash; use group/project.'],
      ['project', '"project" has no group; use the full path, e.g. my-group/project.'],
      [
        'My Group/My Project',
        '"My Group/My Project" contains spaces; project paths have none (use the path, not the name).',
      ],
      ['group/../project', '"group/../project" has an empty, "." or ".." part; use group/project.'],
      ['group//project', '"group//project" has an empty, "." or ".." part; use group/project.'],
      [
        'group/pro*ject',
        '"group/pro*ject" has characters a project path cannot have; use the path from the project\'s URL.',
      ],
      [null, 'Project null is neither an id nor a path. Use group/project or a number.'],
      [true, 'Project true is neither an id nor a path. Use group/project or a number.'],
    ],
  },
  {
    what: 'zone in runnerOps.gcp.zones',
    check: zoneProblem,
    rows: [
      ['', 'A zone entry is empty; remove it or name a zone such as europe-west1-b.'],
      ['europe-west1', '"europe-west1" is a region, not a zone; add the zone letter, e.g. europe-west1-b.'],
      ['Europe-West1-b', 'Zone "Europe-West1-b" has capitals; zones are lowercase, e.g. europe-west1-b.'],
      [
        'europe-west1-',
        '"europe-west1-" is not a zone name; zones look like europe-west1-b (gcloud compute zones list).',
      ],
      [
        'us-central1-bb',
        '"us-central1-bb" is not a zone name; zones look like europe-west1-b (gcloud compute zones list).',
      ],
      [
        'zones/europe-west1-b',
        '"zones/europe-west1-b" is not a zone name; zones look like europe-west1-b (gcloud compute zones list).',
      ],
      ['eu', '"eu" is not a zone name; zones look like europe-west1-b (gcloud compute zones list).'],
    ],
  },
  {
    what: 'runnerOps.gcp.instanceFilter',
    check: instanceFilterProblem,
    rows: [
      ['name = "runner-*', 'The instance filter has an unclosed quote: name = "runner-*'],
      ['(labels.role = runner', "The instance filter's parentheses do not match: (labels.role = runner"],
      ['labels.role = runner)', "The instance filter's parentheses do not match: labels.role = runner)"],
      ['name = a && name = b', 'The instance filter uses && or ||; Compute filters use AND and OR.'],
      ['status == RUNNING', 'The instance filter uses ==; Compute filters compare with = (or != , :).'],
      ['AND name = a', 'The instance filter starts or ends with AND/OR: AND name = a'],
      ['name = a OR', 'The instance filter starts or ends with AND/OR: name = a OR'],
    ],
  },
  {
    what: 'runnerOps.gcp.endpoints.compute',
    check: (e: string) => endpointProblem('compute', e),
    rows: [
      [
        'ftp://compute.example.com',
        'runnerOps.gcp.endpoints.compute uses ftp:; use https:// (http:// only for a local emulator).',
      ],
      [
        'https://user:secret@compute.example.com',
        'runnerOps.gcp.endpoints.compute carries a user or password; credentials come from runnerOps.gcp.credentials, never the address.',
      ],
      [
        'https://compute.example.com/?key=abc',
        'runnerOps.gcp.endpoints.compute has a query or fragment; give the host (and port) only.',
      ],
      [
        'https://compute.example.com/#x',
        'runnerOps.gcp.endpoints.compute has a query or fragment; give the host (and port) only.',
      ],
      [
        'http://[::1',
        'runnerOps.gcp.endpoints.compute "http://[::1" is not an address; use e.g. https://compute.googleapis.com.',
      ],
      [
        'javascript:alert(1)',
        'runnerOps.gcp.endpoints.compute "javascript:alert(1)" is not an address; use e.g. https://compute.googleapis.com.',
      ],
    ],
  },
  {
    what: 'runnerOps.secrets.bucket',
    check: bucketNameProblem,
    rows: [
      ['gs://my-bucket/runners', '"gs://my-bucket/runners" is an address; give the bucket name alone: my-bucket.'],
      [
        'my-bucket/runners',
        '"my-bucket/runners" has a slash; give the bucket name alone and the folder in runnerOps.secrets.prefix.',
      ],
      ['ab', 'Bucket name "ab" is 2 characters long; bucket names have 3 to 63.'],
      [
        'x'.repeat(64),
        'Bucket name "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" is 64 characters long; bucket names have 3 to 63.',
      ],
      ['My-Bucket', 'Bucket name "My-Bucket" has capitals; bucket names are lowercase.'],
      [
        '-bucket',
        'Bucket name "-bucket" may only have lowercase letters, digits, -, _ and ., and must start and end with a letter or digit.',
      ],
      [
        'bucket-',
        'Bucket name "bucket-" may only have lowercase letters, digits, -, _ and ., and must start and end with a letter or digit.',
      ],
      [
        'my_bucket!',
        'Bucket name "my_bucket!" may only have lowercase letters, digits, -, _ and ., and must start and end with a letter or digit.',
      ],
      ['google-secrets', 'Bucket name "google-secrets" is not allowed (no "goog" prefix, "google" or "..").'],
      ['goog-secrets', 'Bucket name "goog-secrets" is not allowed (no "goog" prefix, "google" or "..").'],
      ['my..bucket', 'Bucket name "my..bucket" is not allowed (no "goog" prefix, "google" or "..").'],
    ],
  },
  {
    what: 'runnerOps.secrets.kmsKey',
    check: kmsKeyNameProblem,
    rows: [
      [
        'projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1',
        'runnerOps.secrets.kmsKey names a key version; name the key (drop /cryptoKeyVersions/N): Runner Ops uses its primary version.',
      ],
      [
        'gcp-kms://projects/p/locations/l/keyRings/r/cryptoKeys/k',
        'runnerOps.secrets.kmsKey is an address; give the resource name: projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY.',
      ],
      [
        'https://cloudkms.googleapis.com/v1/projects/p/locations/l/keyRings/r/cryptoKeys/k',
        'runnerOps.secrets.kmsKey is an address; give the resource name: projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY.',
      ],
      [
        'projects/p/keyRings/r/cryptoKeys/k',
        'runnerOps.secrets.kmsKey must be a full key name: projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY.',
      ],
      [
        'runner-secrets-key',
        'runnerOps.secrets.kmsKey must be a full key name: projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY.',
      ],
      [
        'projects/p/locations/l/keyRings/r/cryptoKeys/',
        'runnerOps.secrets.kmsKey must be a full key name: projects/PROJECT/locations/LOCATION/keyRings/RING/cryptoKeys/KEY.',
      ],
    ],
  },
  {
    what: 'setting',
    check: ([key, value]: [string, unknown]) => settingProblems(key, value),
    rows: [
      [
        ['refresh.slowSeconds', -5],
        'runnerOps.refresh.slowSeconds is -5, but must be a whole number of seconds from 15 to 600: using 15. Fix it in the settings.',
      ],
      [
        ['refresh.slowSeconds', 0],
        'runnerOps.refresh.slowSeconds is 0, but must be a whole number of seconds from 15 to 600: using 15. Fix it in the settings.',
      ],
      [
        ['refresh.slowSeconds', 1e12],
        'runnerOps.refresh.slowSeconds is 1000000000000, but must be a whole number of seconds from 15 to 600: using 600. Fix it in the settings.',
      ],
      [
        ['refresh.slowSeconds', '60'],
        'runnerOps.refresh.slowSeconds should be a whole number of seconds from 15 to 600, not "60": using 60. Fix it in the settings.',
      ],
      [
        ['refresh.slowSeconds', null],
        'runnerOps.refresh.slowSeconds should be a whole number of seconds from 15 to 600, not null: using 60. Fix it in the settings.',
      ],
      [
        ['refresh.slowSeconds', 30.5],
        'runnerOps.refresh.slowSeconds is 30.5, but must be a whole number of seconds from 15 to 600: using 31. Fix it in the settings.',
      ],
      [
        ['logs.maxLines', -1],
        'runnerOps.logs.maxLines is -1, but must be a whole number of lines from 100 to 1000000: using 100. Fix it in the settings.',
      ],
      [
        ['logs.maxLines', Number.MAX_SAFE_INTEGER],
        'runnerOps.logs.maxLines is 9007199254740991, but must be a whole number of lines from 100 to 1000000: using 1000000. Fix it in the settings.',
      ],
      [
        ['logs.maxLines', 'lots'],
        'runnerOps.logs.maxLines should be a whole number of lines from 100 to 1000000, not "lots": using 10000. Fix it in the settings.',
      ],
      [['gitlab.projects', 'group/project'], 'runnerOps.gitlab.projects should be a list.'],
      [['gcp.zones', [42]], 'runnerOps.gcp.zones: 42 is not a zone name.'],
    ],
  },
  {
    what: 'GitLab CA file path',
    check: caFilePathProblem,
    rows: [
      [
        'ca.pem',
        'runnerOps.gitlab.caFile is the relative path "ca.pem"; give an absolute path (or one starting with ~/), e.g. /etc/ssl/certs/my-ca.pem.',
      ],
      [
        './certs/company-ca.pem',
        'runnerOps.gitlab.caFile is the relative path "./certs/company-ca.pem"; give an absolute path (or one starting with ~/), e.g. /etc/ssl/certs/my-ca.pem.',
      ],
      [
        '~user/ca.pem',
        'runnerOps.gitlab.caFile is the relative path "~user/ca.pem"; give an absolute path (or one starting with ~/), e.g. /etc/ssl/certs/my-ca.pem.',
      ],
      [
        'https://pki.example.com/ca.pem',
        'runnerOps.gitlab.caFile is a URL ("https://pki.example.com/ca.pem"); give the path of a PEM file on this machine, e.g. /etc/ssl/certs/my-ca.pem.',
      ],
      [
        'file:///etc/ssl/ca.pem',
        'runnerOps.gitlab.caFile is a URL ("file:///etc/ssl/ca.pem"); give the path of a PEM file on this machine, e.g. /etc/ssl/certs/my-ca.pem.',
      ],
    ],
  },
  {
    what: 'GitLab CA file content',
    check: caFileProblem,
    rows: [
      [
        '',
        'runnerOps.gitlab.caFile: /etc/ssl/ca.pem is empty. Put the PEM certificate of your GitLab server’s certificate authority in it.',
      ],
      [
        ' \n\n',
        'runnerOps.gitlab.caFile: /etc/ssl/ca.pem is empty. Put the PEM certificate of your GitLab server’s certificate authority in it.',
      ],
      [
        'our CA is the one from IT',
        'runnerOps.gitlab.caFile: /etc/ssl/ca.pem holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" block).',
      ],
      [
        '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n',
        'runnerOps.gitlab.caFile: /etc/ssl/ca.pem holds a private key, not a certificate. Give the certificate authority’s certificate (never a key).',
      ],
      [
        '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n',
        'runnerOps.gitlab.caFile: /etc/ssl/ca.pem holds a certificate request, not a certificate. Give the certificate authority’s certificate.',
      ],
      [
        SHORT_LIVED_CA.slice(0, 200),
        'runnerOps.gitlab.caFile: /etc/ssl/ca.pem has a certificate that is cut off (no "-----END CERTIFICATE-----" line).',
      ],
      [
        '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n',
        'runnerOps.gitlab.caFile: /etc/ssl/ca.pem has a certificate block (number 1) that is not a valid certificate.',
      ],
      [
        `${SHORT_LIVED_CA}\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`,
        'runnerOps.gitlab.caFile: /etc/ssl/ca.pem has a certificate block (number 2) that is not a valid certificate.',
      ],
      [
        '0\u0082\u0001{0\u0082\u0001!\u00a0\u0003\u0002\u0001\u0002',
        'runnerOps.gitlab.caFile: /etc/ssl/ca.pem is not PEM text (a binary DER file?). Convert it: openssl x509 -inform der -in ca.der -out ca.pem.',
      ],
      [
        SHORT_LIVED_CA,
        'runnerOps.gitlab.caFile: /etc/ssl/ca.pem holds only expired certificates (the last one expired on 2026-12-04).',
      ],
    ],
  },
  {
    what: 'secret value',
    check: ([name, value]: [string, Uint8Array]) => refuseValue(name, value),
    rows: [
      [['deploy-key', new Uint8Array()], 'The value is empty: nothing to store.'],
      [
        ['deploy-key', new Uint8Array(64 * 1024 + 1).fill(65)],
        'The value is 65,537 bytes; Cloud KMS encrypts at most 65,536 bytes (64 KiB) per secret.',
      ],
      [
        ['deploy-key', Uint8Array.from([0xff, 0xfe, 0x00, 0x41])],
        'The value is binary (not UTF-8 text): secrets here are text files (keys, JSON, TOML).',
      ],
      [['deploy-key', text('abc\0def')], 'The value is binary (it contains NUL bytes): secrets here are text files.'],
      [
        ['config.toml', text('concurrent = 4\n[[runners]]\nname = "a\n')],
        'The value is not valid TOML: line 3, column 10: control characters are not allowed in strings.',
      ],
      [
        ['config.toml', text('concurrent = 4\nconcurrent = 5\n')],
        'The value is not valid TOML: line 2, column 1: trying to redefine an already defined table or value.',
      ],
      [
        ['config.toml', text('[[runners]]\n  token = glrt-abc\n')],
        'The value is not valid TOML: line 2, column 11: invalid value.',
      ],
      [
        ['runners/config.toml.enc', text('check_interval = \n')],
        'The value is not valid TOML: line 1, column 18: invalid value.',
      ],
    ],
  },
];

test('the corpus has at least 80 bad inputs', () => {
  const count = corpus.reduce((n, group) => n + group.rows.length, 0);
  assert.ok(count >= 80, `${count} rows`);
});

for (const { what, check, rows } of corpus) {
  test(`a bad ${what} is refused with the message that names the problem (${rows.length} inputs)`, () => {
    const wrong = rows
      .map(([input, message]) => ({ input, message, said: check(input as never) }))
      .filter((r) => r.said !== r.message);
    assert.deepEqual(wrong, [], 'each input gets exactly its message');
  });
}

test('good values pass every check (the corpus is not passing by refusing everything)', () => {
  assert.equal(urlProblem('  https://gitlab.example.com/gitlab/api/v4/  '), undefined);
  assert.equal(urlProblem('http://[::1]:8080'), undefined);
  assert.equal(gitlabTokenProblem('glpat-AbCdEfGhIjKlMnOpQrSt'), undefined);
  assert.equal(projectRefProblem('infra/runner-fleet'), undefined);
  assert.equal(projectRefProblem(42), undefined);
  assert.equal(zoneProblem('europe-west1-b'), undefined);
  assert.equal(instanceFilterProblem('(labels.role = runner) AND name = "gitlab-runner-*"'), undefined);
  assert.equal(endpointProblem('compute', 'http://127.0.0.1:8080'), undefined);
  assert.equal(bucketNameProblem('runner-ops-demo-runner-secrets'), undefined);
  assert.equal(kmsKeyNameProblem('projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k'), undefined);
  assert.equal(settingProblems('refresh.slowSeconds', 60), '');
  assert.equal(refuseValue('runners/config.toml', text('concurrent = 4\n')), undefined);
  assert.equal(caFilePathProblem('/etc/ssl/certs/company-ca.pem'), undefined);
  assert.equal(caFilePathProblem('~/certs/company-ca.pem'), undefined);
  assert.equal(caFilePathProblem(''), undefined);
  assert.deepEqual(readCaPem(SHORT_LIVED_CA, '/ca.pem', new Date('2026-12-03T00:00:00Z')), {
    certificates: [SHORT_LIVED_CA],
  });
});
