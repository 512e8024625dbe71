#!/bin/sh
# Install the command-line tools that README.md and deploy/README.md use, so that the tests that
# run every documented command (tests/docs/test_readme.py, tests/flows/test_readme_flows.py) can:
# jq and curl (the REST lines), make and bash.
# Idempotent and quiet: does nothing when they are all there. Needs root (or sudo) and apt-get.
set -eu

missing=""
for tool in jq curl make bash; do
    command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -z "$missing" ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-tools.sh: apt-get not found; install:$missing" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-tools.sh: run as root (or install sudo) to apt-get install:$missing" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086  (one word per tool)
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "install-tools.sh: installed$missing"
