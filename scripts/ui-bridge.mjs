// The loopback "UI bridge": code running in the extension host POSTs `{ op, ...args }` here and
// gets `{ ok, result | error }` back. An op is answered by `handlers[op]` when there is one (the
// test runner's reports, the bench's probe), else by the workbench driver `ui` (workbench-ui.mjs).
import { createServer } from 'node:http';

const UI_OP_TIMEOUT_MS = 25_000;

/** Starts the bridge on 127.0.0.1; `setUi(ui)` once the workbench page exists. Returns { url, setUi, close }. */
export async function startUiBridge(handlers = {}) {
  let ui;
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const reply = (payload) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    try {
      const { op, ...args } = JSON.parse(body);
      if (typeof handlers[op] === 'function') return reply({ ok: true, result: await handlers[op](args) });
      if (!ui || typeof ui[op] !== 'function') return reply({ ok: false, error: `unknown op ${op}` });
      const timeout = new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`${op} took over 25 s`)), UI_OP_TIMEOUT_MS).unref(),
      );
      return reply({ ok: true, result: await Promise.race([ui[op](args), timeout]) });
    } catch (error) {
      return reply({ ok: false, error: String(error?.stack ?? error) });
    }
  });
  // A probe's long poll may wait for minutes between two steps of the bench.
  server.requestTimeout = 0;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    setUi: (driver) => {
      ui = driver;
    },
    close: () => {
      server.closeAllConnections?.();
      server.close();
    },
  };
}
