#!/usr/bin/env bash
# The one test command: installs what the tests need (system packages, npm dependencies), builds, runs every suite.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need_apt+=(nginx) # the replica stack and drills
command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd) # verifies ops/systemd (not started)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "Installing system packages: ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# Redis and PostgreSQL back the shared-state tests; this kind of machine runs them, but start either if it is down.
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "Starting Redis on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "Starting PostgreSQL on 127.0.0.1:5432"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
for _ in $(seq 1 50); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.2; done

# `npm install` rather than `npm ci`: this machine's npm (omit-lockfile-registry-resolved) records only this
# platform's optional packages (rollup's), and `npm ci` then refuses its own lockfile. The lockfile still pins every version.
npm install --no-audit --no-fund
npm run build
npm run typecheck
# Formatting (Prettier, 120 columns) and lint (typescript-eslint: floating promises, unused code): eslint.config.js.
npm run format:check
npm run lint

# The whole suite on both runtimes Parley supports, side by side: Node.js 20 and Node.js 24 LTS (the one recommended for
# production). The one this machine lacks comes from the npm registry's `node` package. Each run has one vitest worker
# (two cores), so the two together take a few minutes longer than one (21–24 min here against 19). Each run's runtime
# leads its PATH, so the processes its tests start (`node`, npm's scripts) run on it too; test/compat/runtime.test.ts
# checks both.
mkdir -p test-artifacts
rm -f test-artifacts/vitest-node*.json test-artifacts/node*.log
here=$(node -p 'process.versions.node.split(".")[0]')
case "$here" in
  20) other=24 ;;
  24) other=20 ;;
  *) echo "scripts/test.sh: run it on Node.js 20 or 24 (this is $(node -v)); it fetches the other one" >&2; exit 1 ;;
esac
other_node=$(npx -y "node@$other" -p process.execPath | tail -n1)
run_suite() { # MAJOR NODE_DIR: the whole suite on that runtime, its report in test-artifacts/vitest-nodeMAJOR.json
  PATH="$2:$PATH" PARLEY_TEST_NODE_MAJOR=$1 node node_modules/vitest/vitest.mjs run \
    --reporter=default --reporter=json --outputFile.json="test-artifacts/vitest-node$1.json"
}
echo "The whole suite on Node.js $(node -v), and on Node.js $("$other_node" -v) beside it (test-artifacts/node$other.log)"
run_suite "$other" "$(dirname "$other_node")" >"test-artifacts/node$other.log" 2>&1 &
other_pid=$!
# A background job ignores the terminal's Ctrl-C: stop it with the command, so its servers do not outlive it.
trap 'pkill -TERM -P "$other_pid" 2>/dev/null || true; kill "$other_pid" 2>/dev/null || true' EXIT
status_here=0
run_suite "$here" "$(dirname "$(command -v node)")" || status_here=$?
status_other=0
wait "$other_pid" || status_other=$?
echo
echo "===== The whole suite on Node.js $other (test-artifacts/node$other.log) ====="
cat "test-artifacts/node$other.log"
echo
for major in 20 24; do
  node -e '
    const r = require(`./test-artifacts/vitest-node${process.argv[1]}.json`);
    const skipped = r.numPendingTests + r.numTodoTests;
    console.log(`Node ${process.argv[1]}: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  ' "$major" || echo "Node $major: no report (its run did not finish)"
done
[ "$status_here" -eq 0 ] && [ "$status_other" -eq 0 ]
