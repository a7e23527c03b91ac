#!/bin/sh
# Build-time installer (Dockerfile RUN; Alpine's busybox sh): installs the ingestor with its production
# dependencies into /opt/ha-ingestor, giving /opt/ha-ingestor/node_modules/.bin/ha-ingestor.
#
# Where the app comes from, first match wins:
#   1. a tarball ha-ingestor*.tgz in the add-on folder (placed there by deploy/pack-addon.mjs for a
#      local build of an unpublished version);
#   2. the HA_INGESTOR_PACKAGE build arg (any npm spec: a version, a tarball URL, a git URL);
#   3. ha-ingestor@$BUILD_VERSION from the npm registry: the Supervisor passes config.yaml's version
#      as BUILD_VERSION, so the add-on version pins the app version.
# The HA_INGESTOR_* variables exist for the tests (src/addon-run.test.ts).
set -eu

SRC="${HA_INGESTOR_ADDON_SRC:-/usr/src/ha-ingestor-addon}"
PREFIX="${HA_INGESTOR_PREFIX:-/opt/ha-ingestor}"

# The app needs Node.js 20 or newer; the base image's Alpine decides which nodejs package apk installs.
node_version="$(node --version)"
major="$(printf '%s\n' "$node_version" | sed -n 's/^v\([0-9][0-9]*\)\..*$/\1/p')"
if [ -z "$major" ] || [ "$major" -lt 20 ]; then
  echo "ha-ingestor add-on: needs Node.js 20 or newer, the base image's nodejs package is $node_version; use a newer BUILD_FROM" >&2
  exit 1
fi

set -- "$SRC"/ha-ingestor*.tgz
if [ -e "$1" ]; then
  if [ "$#" -ne 1 ]; then
    echo "ha-ingestor add-on: more than one ha-ingestor*.tgz in the add-on folder: $*" >&2
    exit 1
  fi
  spec="$1"
elif [ -n "${HA_INGESTOR_PACKAGE:-}" ]; then
  spec="$HA_INGESTOR_PACKAGE"
elif [ -n "${BUILD_VERSION:-}" ]; then
  spec="ha-ingestor@$BUILD_VERSION"
else
  echo "ha-ingestor add-on: no ha-ingestor*.tgz in the add-on folder and no BUILD_VERSION build arg (the Supervisor passes config.yaml's version)" >&2
  exit 1
fi

echo "ha-ingestor add-on: installing $spec on Node.js $node_version"
npm install --prefix "$PREFIX" --omit=dev --no-audit --no-fund --no-update-notifier "$spec"
if [ ! -e "$PREFIX/node_modules/.bin/ha-ingestor" ]; then
  echo "ha-ingestor add-on: $spec installed no ha-ingestor command" >&2
  exit 1
fi
