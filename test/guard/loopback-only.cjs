// Preloaded into every test process: any socket or DNS lookup to a non-loopback address throws,
// so a test that would leak to the internet (a metadata server probe, a real API host) fails loudly.
const net = require('node:net');
const dns = require('node:dns');

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.localdomain']);
function isLoopback(host) {
  if (!host) return true; // net defaults to localhost
  if (LOOPBACK_NAMES.has(host)) return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  if (net.isIPv6(host)) return host === '::1' || host.startsWith('::ffff:127.');
  return false;
}
function refuse(what, host) {
  const err = new Error(`loopback guard: ${what} to non-loopback host "${host}" refused in tests`);
  err.code = 'ERR_LOOPBACK_GUARD';
  throw err;
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  let options = args[0];
  if (Array.isArray(options)) options = options[0]; // internal normalized form
  let host;
  if (options && typeof options === 'object') {
    if (options.path) return originalConnect.apply(this, args); // unix socket / pipe
    host = options.host;
  } else if (typeof options === 'number' || /^\d+$/.test(String(options))) {
    host = typeof args[1] === 'string' ? args[1] : undefined;
  } else if (typeof options === 'string') {
    return originalConnect.apply(this, args); // unix socket path
  }
  if (!isLoopback(host)) refuse('connect', host);
  return originalConnect.apply(this, args);
};

for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny']) {
  const original = dns[name];
  dns[name] = function (host, ...rest) {
    if (!isLoopback(host)) refuse(`dns.${name}`, host);
    return original.call(this, host, ...rest);
  };
  const originalPromise = dns.promises[name];
  if (originalPromise) {
    dns.promises[name] = function (host, ...rest) {
      if (!isLoopback(host))
        return Promise.reject(
          Object.assign(new Error(`loopback guard: dns.promises.${name} to "${host}" refused in tests`), {
            code: 'ERR_LOOPBACK_GUARD',
          }),
        );
      return originalPromise.call(this, host, ...rest);
    };
  }
}
module.exports = { isLoopback };
