// A stand-in for the `vscode` module so dist/extension.js can be required (and activated) in
// plain Node. Every property is another stub, every call returns a stub, `new` gives an object
// whose own fields and subclass methods work and whose missing fields are stubs. Enough for
// module top levels and for activate() to register things; it does nothing. Settings read as
// their defaults and views report `visible: false`: activation as a user sees it before
// opening the sidebar.
const Module = require('node:module');

function stub(name) {
  const props = new Map();
  const target = function () {};
  return new Proxy(target, {
    get(_t, prop) {
      if (prop === 'then') return undefined; // not a thenable
      if (prop === Symbol.toPrimitive) return (hint) => (hint === 'number' ? 0 : `[vscode stub ${name}]`);
      if (prop === Symbol.iterator) return function* () {};
      if (prop === 'prototype') return target.prototype;
      if (typeof prop === 'symbol') return undefined;
      if (prop === 'visible' || prop === 'focused') return false; // views hidden, as after a window opens with the sidebar elsewhere
      if (!props.has(prop)) props.set(prop, stub(`${name}.${prop}`));
      return props.get(prop);
    },
    set(_t, prop, value) {
      props.set(prop, value);
      return true;
    },
    // configuration.get(key, default) answers the default: an unconfigured, fresh install.
    apply: (_t, _this, args) => (name.endsWith('.get') && args.length >= 2 ? args[1] : stub(`${name}()`)),
    construct: (_t, _args, newTarget) => instance(newTarget.prototype, `new ${name}`),
  });
}

function instance(proto, name) {
  const obj = Object.create(proto);
  return new Proxy(obj, {
    get(o, prop, receiver) {
      if (prop in o || typeof prop === 'symbol') return Reflect.get(o, prop, receiver);
      if (prop === 'then') return undefined;
      const value = stub(`${name}.${String(prop)}`);
      o[prop] = value;
      return value;
    },
  });
}

// The bundles re-export `vscode` once (scripts/build.mjs, vscodeOnce), copying the module's own
// keys: the module lists the API's top-level names (from @types/vscode), each resolving to a stub.
const { readFileSync } = require('node:fs');
const API_NAMES = [
  ...new Set(
    [
      ...readFileSync(require.resolve('@types/vscode/index.d.ts'), 'utf8').matchAll(
        /^\texport (?:class|namespace|enum|const|function) (\w+)/gm,
      ),
    ].map((m) => m[1]),
  ),
];
const api = stub('vscode');
const vscode = new Proxy(
  {},
  {
    get: (_t, prop) => api[prop],
    set: (_t, prop, value) => ((api[prop] = value), true),
    ownKeys: () => API_NAMES,
    getOwnPropertyDescriptor: (_t, prop) =>
      API_NAMES.includes(prop) ? { value: api[prop], enumerable: true, configurable: true, writable: true } : undefined,
  },
);
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'vscode') return 'vscode';
  return resolve.call(this, request, ...rest);
};
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscode };
module.exports = { vscode, stub };
