#!/usr/bin/env bash
# Installs code-server (VS Code 1.100.3 for the browser) into a git-ignored cache, offline-safe:
# no GitHub downloads, native modules rebuilt here, ripgrep from Debian.
# Recipe and reasons: ../shared/notes/real-vscode-offline.md. Prints the code-server binary path.
set -euo pipefail
version="${CODE_SERVER_VERSION:-4.100.3}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="$root/.vscode-test/code-server-$version"
bin="$cache/node_modules/code-server/out/node/entry.js"
marker="$cache/.installed"

if [[ -f $marker && -f $bin ]]; then echo "$bin"; exit 0; fi

for cmd in rg chromium; do
  command -v "$cmd" >/dev/null || { echo "missing $cmd: apt-get install chromium ripgrep (see .ci/run)" >&2; exit 1; }
done

log="$root/.vscode-test/code-server-install.log"
mkdir -p "$cache"
echo "installing code-server $version into $cache (2-3 minutes, log: $log)" >&2
export npm_config_yes=true npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
# A stalled tarball (EIDLETIMEOUT) is fetched again; what is cached is not fetched at all.
export npm_config_prefer_offline=true npm_config_fetch_retries=4
{
  cd "$cache"
  [[ -f package.json ]] || echo '{"name":"code-server-cache","private":true}' > package.json
  npm install --ignore-scripts --no-save "code-server@$version"
  cs="$cache/node_modules/code-server"
  cd "$cs/lib/vscode"
  npm install --omit=dev --ignore-scripts
  npm rebuild kerberos @vscode/spdlog node-pty native-watchdog @parcel/watcher @vscode/deviceid
  mkdir -p node_modules/@vscode/ripgrep/bin
  ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
  [[ -e node_modules.asar ]] || ln -s node_modules node_modules.asar
  (cd bin/remote-cli && ln -sf code-linux.sh code-server)
  (cd bin/helpers && ln -sf browser-linux.sh browser.sh)
  (cd extensions && npm install --omit=dev --ignore-scripts)
  cd "$cache"  # argon2 is hoisted next to code-server, not inside it
  npm rebuild argon2
} >"$log" 2>&1 || { echo "code-server install failed; last lines of $log:" >&2; tail -n 30 "$log" >&2; exit 1; }

node "$bin" --version >&2
touch "$marker"
echo "$bin"
