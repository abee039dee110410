// The guard preloaded into every test process refuses traffic that would leave the machine.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as dns from 'node:dns';
import * as net from 'node:net';
import { createServer } from 'node:http';

test('a socket to a public address is refused before it is opened', () => {
  assert.throws(() => net.connect(443, '93.184.215.14'), { code: 'ERR_LOOPBACK_GUARD' });
  assert.throws(() => net.connect({ host: '10.0.0.1', port: 80 }), { code: 'ERR_LOOPBACK_GUARD' });
});

test('a DNS lookup of a non-loopback name is refused', async () => {
  assert.throws(() => dns.lookup('metadata.google.internal', () => undefined), { code: 'ERR_LOOPBACK_GUARD' });
  await assert.rejects(dns.promises.lookup('gitlab.com'), { code: 'ERR_LOOPBACK_GUARD' });
});

test('fetch to a real API host fails with the guard as its cause', async () => {
  await assert.rejects(
    fetch('https://compute.googleapis.com/compute/v1/projects'),
    (error: Error & { cause?: { code?: string } }) => {
      assert.equal(error.cause?.code, 'ERR_LOOPBACK_GUARD');
      return true;
    },
  );
});

test('loopback traffic still works', async () => {
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'ok');
    assert.equal(await (await fetch(`http://localhost:${port}/`)).text(), 'ok');
  } finally {
    server.close();
  }
});
