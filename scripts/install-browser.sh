#!/bin/sh
# Install the headless Chromium that the HTML-report browser tests drive (pytest -m browser).
#
# The tests use Debian's /usr/bin/chromium through Playwright's executable_path: never
# `playwright install`, which downloads a browser build from outside the package registries.
# Idempotent and quiet: does nothing when /usr/bin/chromium is already there.
# Needs root (or sudo) and apt-get; set CHROMIUM to check another path.
set -eu

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser.sh: apt-get not found; install Chromium so that $CHROMIUM exists" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-browser.sh: run as root (or install sudo) to apt-get install chromium" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null

if [ ! -x "$CHROMIUM" ]; then
    echo "install-browser.sh: chromium was installed but $CHROMIUM is missing" >&2
    exit 1
fi
echo "install-browser.sh: $("$CHROMIUM" --version 2>/dev/null || echo chromium) at $CHROMIUM"
