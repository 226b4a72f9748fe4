#!/usr/bin/env bash
# Builds the Debian package OUTDIR/feedwatch_<version>_<arch>.deb from a built binary.
# Usage: scripts/build-deb.sh BINARY OUTDIR
#
# BINARY is meant to be the release build linked with --static-swift-stdlib (`make deb`
# builds it). It is copied stripped; its `--version` is the package version, which must be
# the top entry of packaging/debian/changelog. Nothing is compiled and swift never runs:
# the man page comes from BINARY's --help (scripts/generate-manual.sh with
# FEEDWATCH_MANUAL_FROM_HELP=1), the completions from --generate-completion-script.
#
# Environment:
#   SOURCE_DATE_EPOCH          mtimes and dates in the package (default: the last commit's)
#   FEEDWATCH_TOML_MANPAGE     the feedwatch.toml(5) source (default: docs/feedwatch.toml.5)
#   ALLOW_SHARED_SWIFT_RUNTIME=1
#                              package a binary that loads the Swift runtime from the
#                              toolchain (a debug build) instead of failing; such a package
#                              only runs where that toolchain is installed: for tests only.
#
# Needs dpkg-dev (dpkg-shlibdeps) and binutils (strip, readelf); `scripts/install-deps.sh
# build` installs them.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ne 2 ]; then
    echo "usage: $0 BINARY OUTDIR" >&2
    exit 2
fi
binary=$1
outdir=$2
debian=packaging/debian
manpage5=${FEEDWATCH_TOML_MANPAGE:-docs/feedwatch.toml.5}

fail() { echo "build-deb: $*" >&2; exit 1; }

for tool in dpkg-deb dpkg-shlibdeps strip readelf gzip md5sum; do
    command -v "$tool" >/dev/null || fail "$tool is missing (scripts/install-deps.sh build installs it)"
done
[ -x "$binary" ] || fail "$binary is not an executable (build it first: make release)"
[ -f "$manpage5" ] || fail "$manpage5 is missing (the feedwatch.toml(5) page; FEEDWATCH_TOML_MANPAGE names another file)"

version=$("$binary" --version)
[[ $version =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || fail "'$binary --version' printed '$version', not a Debian version"
arch=$(dpkg --print-architecture)
changelog_version=$(sed -n '1s/^feedwatch (\([^)]*\)).*/\1/p' "$debian/changelog")
[ "$changelog_version" = "$version" ] \
    || fail "$debian/changelog's top entry is ${changelog_version:-unreadable}, the binary is $version: add a changelog entry"

# The package must not depend on a Swift toolchain: the release build links the runtime in.
swift_libraries=$(readelf -d "$binary" \
    | sed -n 's/.*(NEEDED).*\[\(lib\(swift\|Foundation\|_Foundation\|dispatch\|BlocksRuntime\)[^]]*\)\]/\1/p' | tr '\n' ' ')
swift_libraries=${swift_libraries% }
shlibdeps_options=()
if [ -n "$swift_libraries" ]; then
    if [ "${ALLOW_SHARED_SWIFT_RUNTIME:-0}" != 1 ]; then
        fail "$binary loads the Swift runtime from the toolchain ($swift_libraries): build it with --static-swift-stdlib (make deb), or set ALLOW_SHARED_SWIFT_RUNTIME=1 for a test package"
    fi
    echo "build-deb: WARNING: $binary needs $swift_libraries from the Swift toolchain; this package runs only where that toolchain is installed" >&2
    shlibdeps_options+=(--ignore-missing-info)
fi

# A search path outside the package (the toolchain's, in a debug build) is lintian's
# custom-library-search-path error; $ORIGIN is harmless.
runpath=$(readelf -d "$binary" | sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]/\2/p')
case ":$runpath:" in
    *:/*) echo "build-deb: WARNING: $binary searches libraries in $runpath (lintian: custom-library-search-path)" >&2 ;;
esac

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s)
fi
export SOURCE_DATE_EPOCH

umask 022
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
doc=$root/usr/share/doc/feedwatch
install -d "$root/DEBIAN" "$root/usr/bin" "$root/lib/systemd/system" "$root/usr/lib/sysusers.d" \
    "$root/etc/feedwatch" "$root/usr/share/man/man1" "$root/usr/share/man/man5" \
    "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
    "$root/usr/share/fish/vendor_completions.d" "$doc/examples" "$root/usr/share/lintian/overrides"

# The binary, stripped as dh_strip strips an executable.
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
    -o "$root/usr/bin/feedwatch" "$binary"
chmod 0755 "$root/usr/bin/feedwatch"
packaged=$root/usr/bin/feedwatch
"$packaged" --version >/dev/null || fail "the stripped binary does not run"

# The unit, ExecStart rewritten as `make install PREFIX=/usr` does.
sed -e 's#^ExecStart=/usr/local/bin/feedwatch #ExecStart=/usr/bin/feedwatch #' \
    systemd/feedwatch.service >"$root/lib/systemd/system/feedwatch.service"
grep -q '^ExecStart=/usr/bin/feedwatch ' "$root/lib/systemd/system/feedwatch.service" \
    || fail "systemd/feedwatch.service: no 'ExecStart=/usr/local/bin/feedwatch ' line to rewrite"
install -m 0644 "$debian/sysusers.conf" "$root/usr/lib/sysusers.d/feedwatch.conf"
install -m 0644 Config/feedwatch.toml "$root/etc/feedwatch/feedwatch.toml"

# Manual pages and completions, from the packaged binary itself.
FEEDWATCH_MANUAL_FROM_HELP=1 scripts/generate-manual.sh "$packaged" "$tmp/man"
gzip -9n -c "$tmp/man/feedwatch.1" >"$root/usr/share/man/man1/feedwatch.1.gz"
gzip -9n -c "$manpage5" >"$root/usr/share/man/man5/feedwatch.toml.5.gz"
# A completion file is sourced, not run: the bash script's #! line goes (lintian:
# bash-completion-with-hashbang).
"$packaged" --generate-completion-script bash | sed '1{/^#!/d}' >"$root/usr/share/bash-completion/completions/feedwatch"
"$packaged" --generate-completion-script zsh >"$root/usr/share/zsh/vendor-completions/_feedwatch"
"$packaged" --generate-completion-script fish >"$root/usr/share/fish/vendor_completions.d/feedwatch.fish"

# Documentation. The version has no Debian revision (a native package), so the changelog
# is changelog.gz, as Debian policy 12.7 wants for native packages.
install -m 0644 "$debian/copyright" "$doc/copyright"
gzip -9n -c "$debian/changelog" >"$doc/changelog.gz"
gzip -9n -c README.md >"$doc/README.md.gz"
install -m 0644 Config/feedwatch.toml "$doc/examples/feedwatch.toml"
install -m 0644 "$debian/lintian-overrides" "$root/usr/share/lintian/overrides/feedwatch"

# Maintainer scripts and conffiles.
for script in postinst prerm postrm; do
    install -m 0755 "$debian/$script" "$root/DEBIAN/$script"
done
install -m 0644 "$debian/conffiles" "$root/DEBIAN/conffiles"
while read -r conffile; do
    [ -f "$root$conffile" ] || fail "$debian/conffiles names $conffile, which the package does not ship"
done <"$debian/conffiles"

# Modes: nothing but 0755 directories, 0644 files and the four executables.
find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f -exec chmod 0644 {} +
chmod 0755 "$root/usr/bin/feedwatch" "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"

# Depends: the shared libraries the binary loads, through the shlibs database. dpkg-shlibdeps
# wants a debian/control beside it.
mkdir -p "$tmp/shlibs/debian"
printf 'Source: feedwatch\n\nPackage: feedwatch\nArchitecture: any\n' >"$tmp/shlibs/debian/control"
shlibs=$(cd "$tmp/shlibs" && dpkg-shlibdeps -O "${shlibdeps_options[@]}" -e"$packaged" 2>"$tmp/shlibdeps.log") \
    || { cat "$tmp/shlibdeps.log" >&2; fail "dpkg-shlibdeps failed"; }
[ -s "$tmp/shlibdeps.log" ] && sed 's/^/build-deb: /' "$tmp/shlibdeps.log" >&2
depends=$(printf '%s\n' "$shlibs" | sed -n 's/^shlibs:Depends=//p' | sed -e 's/[\/&]/\\&/g')
[ -n "$depends" ] || fail "dpkg-shlibdeps found no dependencies for $binary"

# Installed-Size as dpkg-gencontrol counts it: KiB per file rounded up, 1 per other entry.
installed_size=$(find "$root" -path "$root/DEBIAN" -prune -o -mindepth 1 -printf '%y %s\n' \
    | awk '$1 == "f" { total += int(($2 + 1023) / 1024); next } { total += 1 } END { print total }')

sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@INSTALLED_SIZE@/$installed_size/" \
    -e "s/@SHLIBS_DEPENDS@/$depends/" "$debian/control.in" >"$root/DEBIAN/control"
grep -q '@[A-Z_]*@' "$root/DEBIAN/control" && fail "$debian/control.in has a placeholder build-deb does not fill"

# md5sums leaves out the conffiles, as dh_md5sums does: dpkg records their sums itself.
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | LC_ALL=C sort \
    | grep -v -x -F -f <(sed 's#^/##' DEBIAN/conffiles) | xargs -d '\n' md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"

# Reproducible: every mtime is SOURCE_DATE_EPOCH; dpkg-deb sorts the members, owns them by
# root and uses SOURCE_DATE_EPOCH for the archive's own timestamps.
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

mkdir -p "$outdir"
deb=$outdir/feedwatch_${version}_${arch}.deb
dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null
echo "build-deb: $deb ($(du -h "$deb" | cut -f1); /usr/bin/feedwatch $(du -h "$packaged" | cut -f1) stripped, from $(du -h "$binary" | cut -f1))"
echo "build-deb: Depends: $(sed -n 's/^Depends: //p' "$root/DEBIAN/control")"
