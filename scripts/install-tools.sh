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

# shellcheck disable=SC2086  (one word per tool)
sh "$(dirname "$0")/apt-install.sh" install-tools.sh $missing
echo "install-tools.sh: installed$missing"
