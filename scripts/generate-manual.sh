#!/usr/bin/env bash
# Writes the feedwatch(1) man page, generated from the command-line definitions.
# Usage: scripts/generate-manual.sh BINARY OUTPUT_DIRECTORY
#
# First choice: swift-argument-parser's generate-manual plugin (works offline: the plugin
# ships in the resolved dependency). If it cannot run, the page is assembled from each
# subcommand's --help output, so `make install` never depends on the plugin.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=$1
out=$2
mkdir -p "$out"
configuration=debug
case "$binary" in */release/*) configuration=release ;; esac

if ${SWIFT:-swift} package plugin generate-manual --configuration "$configuration" >"$out/plugin.log" 2>&1 \
    && [ -f .build/plugins/GenerateManual/outputs/feedwatch/feedwatch.1 ]; then
    cp .build/plugins/GenerateManual/outputs/feedwatch/feedwatch.1 "$out/feedwatch.1"
    rm -f "$out/plugin.log"
    exit 0
fi
echo "generate-manual plugin unavailable (see $out/plugin.log); building the page from --help" >&2

escape() { sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\\&'/"; }
{
    echo ".TH FEEDWATCH 1 \"$(date -u +%Y-%m-%d)\" \"feedwatch $("$binary" --version)\" \"User Commands\""
    echo ".SH NAME"
    echo "feedwatch \\- watch RSS, Atom and JSON feeds for topics and write a daily digest"
    echo ".SH DESCRIPTION"
    echo ".nf"
    "$binary" --help | escape
    echo ".fi"
    for sub in $("$binary" --help | awk '/^SUBCOMMANDS:/{on=1;next} on&&NF{print $1}' | grep -v '^help$'); do
        echo ".SH \"FEEDWATCH $(echo "$sub" | tr a-z A-Z)\""
        echo ".nf"
        "$binary" "$sub" --help | escape
        echo ".fi"
    done
} >"$out/feedwatch.1"
