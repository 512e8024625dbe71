#!/bin/sh
# Install Debian packages quietly: apt-install.sh NAME PACKAGE... (NAME prefixes the messages).
# Shared by install-browser.sh and install-tools.sh. Needs root (or sudo) and apt-get.
set -eu

name="$1"
shift

if ! command -v apt-get >/dev/null 2>&1; then
    echo "$name: apt-get not found; install: $*" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "$name: run as root (or install sudo) to apt-get install: $*" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
