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

sh "$(dirname "$0")/apt-install.sh" install-browser.sh chromium fonts-dejavu-core

if [ ! -x "$CHROMIUM" ]; then
    echo "install-browser.sh: chromium was installed but $CHROMIUM is missing" >&2
    exit 1
fi
echo "install-browser.sh: $("$CHROMIUM" --version 2>/dev/null || echo chromium) at $CHROMIUM"
