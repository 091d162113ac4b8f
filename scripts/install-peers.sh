#!/usr/bin/env bash
# Installs the independent peers that the *.peer.test.ts suites run against, into a cache
# OUTSIDE the clone (reused by every clone and every run on this machine):
#
#   ${GDS_PEERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gds-peers}/
#     bin/gds-ferretdb                  FerretDB v1.24.2 through our wrapper (packages/gds-testkit/peers/ferretdb)
#     bin/mongodump, mongorestore, bsondump   MongoDB Database Tools 100.18.0, built from their Go module
#     venv/bin/fakesnow, venv/bin/sqlfluff    fakesnow[server]==0.12.1 and sqlfluff==4.5.0 (PyPI,
#                                        pinned in packages/gds-testkit/peers/python/requirements.txt)
#
# Each peer is rebuilt only when its inputs changed (a stamp file holds their hash), so a warm
# run takes seconds. A peer that cannot be installed prints ONE line "[peers] <name>: not
# installed: <reason>" and the script goes on: the suites of that peer then skip with a printed
# reason. The script exits 0 unless it is misused; `--check` only reports what is installed.
#
#   bash scripts/install-peers.sh [--check] [ferretdb] [mongo-tools] [python]
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${GDS_PEERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gds-peers}
BIN="$CACHE/bin"
MONGO_TOOLS_COMMIT=21a342dfee6468ad9350d156d25086da64dd03b1 # release 100.18.0 (tags have no "v")
MONGO_TOOLS_VERSION=100.18.0
# fakesnow[server]==0.12.1 and sqlfluff==4.5.0 with every dependency pinned
PY_REQUIREMENTS="$ROOT/packages/gds-testkit/peers/python/requirements.txt"
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false

check=0
want=()
for a in "$@"; do
  case "$a" in
    --check) check=1 ;;
    ferretdb | mongo-tools | python) want+=("$a") ;;
    *) echo "usage: $0 [--check] [ferretdb] [mongo-tools] [python]" >&2; exit 2 ;;
  esac
done
[ ${#want[@]} -eq 0 ] && want=(ferretdb mongo-tools python)
mkdir -p "$BIN" "$CACHE/logs"

say() { printf '[peers] %s\n' "$*"; }
# one line on stdout, and the same line in <cache>/<peer>.missing for the suites' skip reasons
missing() { printf '[peers] %s: not installed: %s\n' "$1" "$2"; printf '%s\n' "not installed: $2" > "$CACHE/$1.missing"; }
installed() { rm -f "$CACHE/$1.missing"; }
# the last non-empty line of a log, on one line
last_line() { grep -v '^[[:space:]]*$' "$1" 2>/dev/null | tail -n 1 | tr -s '\t ' ' ' | cut -c1-300; }
hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }
now() { date +%s; }

install_ferretdb() {
  local src="$ROOT/packages/gds-testkit/peers/ferretdb" key stamp="$CACHE/ferretdb.stamp" log="$CACHE/logs/ferretdb.log" t0
  key=$(hash_of "$src/go.mod" "$src/go.sum" "$src/main.go")
  if [ -x "$BIN/gds-ferretdb" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$key" ]; then installed ferretdb; say "ferretdb: cached ($BIN/gds-ferretdb)"; return 0; fi
  [ $check = 1 ] && { missing ferretdb "not built (run scripts/install-peers.sh)"; return 1; }
  command -v go >/dev/null 2>&1 || { missing ferretdb "no Go toolchain (go) on PATH"; return 1; }
  t0=$(now)
  if (cd "$src" && go build -trimpath -o "$BIN/gds-ferretdb.tmp" . ) >"$log" 2>&1; then
    mv -f "$BIN/gds-ferretdb.tmp" "$BIN/gds-ferretdb" && echo "$key" > "$stamp" && installed ferretdb
    say "ferretdb: built in $(( $(now) - t0 )) s ($BIN/gds-ferretdb)"
  else
    missing ferretdb "go build failed after $(( $(now) - t0 )) s: $(last_line "$log") (log: $log)"; return 1
  fi
}

install_mongo_tools() {
  local stamp="$CACHE/mongo-tools.stamp" log="$CACHE/logs/mongo-tools.log" scratch="$CACHE/mongo-tools-mod" dir t0 tool
  if [ -x "$BIN/mongodump" ] && [ -x "$BIN/mongorestore" ] && [ -x "$BIN/bsondump" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$MONGO_TOOLS_COMMIT" ]; then
    installed mongo-tools; say "mongo-tools: cached ($BIN/mongodump, mongorestore, bsondump $MONGO_TOOLS_VERSION)"; return 0
  fi
  [ $check = 1 ] && { missing mongo-tools "not built (run scripts/install-peers.sh)"; return 1; }
  command -v go >/dev/null 2>&1 || { missing mongo-tools "no Go toolchain (go) on PATH"; return 1; }
  t0=$(now)
  mkdir -p "$scratch"
  [ -f "$scratch/go.mod" ] || printf 'module gds.local/peers/mongo-tools-fetch\n\ngo 1.24\n' > "$scratch/go.mod"
  # The module proxy names a commit by its pseudo-version; `go mod download` resolves it.
  if ! dir=$(cd "$scratch" && go mod download -json "github.com/mongodb/mongo-tools@$MONGO_TOOLS_COMMIT" 2>"$log" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') || [ -z "$dir" ]; then
    [ -s "$log" ] || (cd "$scratch" && go mod download -json "github.com/mongodb/mongo-tools@$MONGO_TOOLS_COMMIT" >"$log" 2>&1)
    missing mongo-tools "go mod download github.com/mongodb/mongo-tools@$MONGO_TOOLS_COMMIT failed: $(grep -m1 -o '[0-9][0-9][0-9] [A-Z][A-Za-z ]*\\n[^"]*\|go: [^"]*' "$log" | head -n 1 | sed 's/\\n[[:space:]\\t]*/ /g; s/\\t/ /g' | cut -c1-200)"
    return 1
  fi
  for tool in mongodump mongorestore bsondump; do
    if ! (cd "$dir" && go build -trimpath -ldflags "-X main.VersionStr=$MONGO_TOOLS_VERSION" -o "$BIN/$tool.tmp" "./$tool/main") >>"$log" 2>&1; then
      missing mongo-tools "go build ./$tool/main failed after $(( $(now) - t0 )) s: $(last_line "$log") (log: $log)"; return 1
    fi
  done
  for tool in mongodump mongorestore bsondump; do mv -f "$BIN/$tool.tmp" "$BIN/$tool"; done
  echo "$MONGO_TOOLS_COMMIT" > "$stamp"; installed mongo-tools
  say "mongo-tools: built in $(( $(now) - t0 )) s ($BIN/mongodump, mongorestore, bsondump)"
}

install_python() {
  local venv="$CACHE/venv" stamp="$CACHE/python.stamp" log="$CACHE/logs/python.log" key t0 py
  key=$(hash_of "$PY_REQUIREMENTS")
  if [ -x "$venv/bin/fakesnow" ] && [ -x "$venv/bin/sqlfluff" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$key" ]; then
    installed fakesnow; installed sqlfluff; say "python: cached ($venv/bin/fakesnow, $venv/bin/sqlfluff)"; return 0
  fi
  [ $check = 1 ] && { missing fakesnow "not installed (run scripts/install-peers.sh)"; missing sqlfluff "not installed (run scripts/install-peers.sh)"; return 1; }
  py=$(command -v python3 || true)
  [ -n "$py" ] || { missing fakesnow "no python3 on PATH"; missing sqlfluff "no python3 on PATH"; return 1; }
  t0=$(now)
  if [ ! -x "$venv/bin/pip" ] && ! "$py" -m venv "$venv" >"$log" 2>&1; then
    missing fakesnow "python3 -m venv failed: $(last_line "$log")"; missing sqlfluff "python3 -m venv failed"; return 1
  fi
  if "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$PY_REQUIREMENTS" >>"$log" 2>&1; then
    echo "$key" > "$stamp"; installed fakesnow; installed sqlfluff
    say "python: installed in $(( $(now) - t0 )) s (fakesnow, sqlfluff: $PY_REQUIREMENTS into $venv)"
  else
    # one package may still have made it
    [ -x "$venv/bin/fakesnow" ] || missing fakesnow "pip install -r peers/python/requirements.txt failed: $(last_line "$log")"
    [ -x "$venv/bin/sqlfluff" ] || missing sqlfluff "pip install -r peers/python/requirements.txt failed: $(last_line "$log")"
    return 1
  fi
}

for w in "${want[@]}"; do
  case "$w" in
    ferretdb) install_ferretdb ;;
    mongo-tools) install_mongo_tools ;;
    python) install_python ;;
  esac
done
exit 0
