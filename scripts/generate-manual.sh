#!/usr/bin/env bash
# Writes the feedwatch(1) man page, generated from the command-line definitions.
# Usage: scripts/generate-manual.sh BINARY OUTPUT_DIRECTORY
#
# First choice: swift-argument-parser's generate-manual plugin (works offline: the plugin
# ships in the resolved dependency). If it cannot run, the page is assembled from each
# subcommand's --help output, so `make install` never depends on the plugin.
#
# FEEDWATCH_MANUAL_FROM_HELP=1 skips the plugin and never runs swift: the page comes from
# BINARY alone (scripts/build-deb.sh uses it, so the package's page describes exactly the
# packaged binary and building a package never starts a build). The page's date is
# SOURCE_DATE_EPOCH's when that is set, so the page is reproducible.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=$1
out=$2
mkdir -p "$out"
configuration=debug
case "$binary" in */release/*) configuration=release ;; esac

if [ "${FEEDWATCH_MANUAL_FROM_HELP:-0}" = 1 ]; then
    :
elif ${SWIFT:-swift} package plugin generate-manual --configuration "$configuration" >"$out/plugin.log" 2>&1 \
    && [ -f .build/plugins/GenerateManual/outputs/feedwatch/feedwatch.1 ]; then
    cp .build/plugins/GenerateManual/outputs/feedwatch/feedwatch.1 "$out/feedwatch.1"
    rm -f "$out/plugin.log"
    exit 0
else
    echo "generate-manual plugin unavailable (see $out/plugin.log); building the page from --help" >&2
fi

# --help text as roff, shown verbatim (.nf): backslashes doubled as \e, a leading . or '
# protected by \&, and every - written \- (in option names it is a minus sign, which is
# what a reader copies).
escape() { sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\\&'/"; }
# The subcommands a --help text lists (without `help`): the lines indented by two spaces in
# each SUBCOMMANDS: section, grouped ones included ("EVERYDAY SUBCOMMANDS:"), up to the blank
# line ending it (wrapped descriptions are indented further).
subcommands() {
    awk '/SUBCOMMANDS:$/ { on = 1; next } on && !NF { on = 0; next } on && /^  [a-z][a-z0-9-]*( |$)/ { print $1 }' \
        | grep -v '^help$' || true
}
section() { # TITLE COMMAND…
    local title=$1
    shift
    echo ".SH \"$title\""
    echo ".nf"
    "$binary" "$@" --help | escape
    echo ".fi"
}
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
    day=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)
else
    day=$(date -u +%Y-%m-%d)
fi
{
    echo ".TH FEEDWATCH 1 \"$day\" \"feedwatch $("$binary" --version)\" \"User Commands\""
    echo ".SH NAME"
    echo "feedwatch \\- watch RSS, Atom and JSON feeds for topics and write a daily digest"
    echo ".SH DESCRIPTION"
    echo ".nf"
    "$binary" --help | escape
    echo ".fi"
    for sub in $("$binary" --help | subcommands); do
        section "FEEDWATCH $(echo "$sub" | tr '[:lower:]' '[:upper:]')" "$sub"
        for subsub in $("$binary" "$sub" --help | subcommands); do
            section "FEEDWATCH $(echo "$sub $subsub" | tr '[:lower:]' '[:upper:]')" "$sub" "$subsub"
        done
    done
    echo ".SH \"EXIT STATUS\""
    echo ".nf"
    "$binary" --help | awk '/^ *EXIT STATUS$/ { on = 1; next } on && !NF { exit } on { print }' | sed 's/^ *//' | escape
    echo ".fi"
    echo ".SH FILES"
    echo ".TP"
    echo ".I /etc/feedwatch/feedwatch.toml"
    echo "The configuration file, described in"
    echo ".BR feedwatch.toml (5)."
    echo ".SH \"SEE ALSO\""
    echo ".BR feedwatch.toml (5),"
    echo ".BR systemctl (1),"
    echo ".BR journalctl (1)"
} >"$out/feedwatch.1"
