#!/usr/bin/env bash
# The command-driver example end to end: deploy v1 and v2, roll back, show the
# journal. State goes to a temporary directory.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rewind="node $here/../../bin/rewind.js"
export REWIND_STATE_DIR="$(mktemp -d)"
trap 'rm -rf "$REWIND_STATE_DIR"' EXIT
cd "$here"
$rewind validate
$rewind deploy api v1
$rewind deploy api v2
$rewind undo api --dry-run
$rewind undo api --reason "v2 misbehaves (example)"
$rewind status api
$rewind history api
id="$($rewind rollbacks --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].id))')"
$rewind rollback show "$id"
