# feedwatch — build, test, demo and install.
# `make demo` and `make test` do all set-up on a fresh Debian 12 machine with Swift.

SWIFT       ?= swift
PREFIX      ?= /usr/local
DESTDIR     ?=
SYSCONFDIR  ?= /etc
UNITDIR     ?= /lib/systemd/system
MANDIR      ?= $(PREFIX)/share/man/man1
MAN5DIR     ?= $(PREFIX)/share/man/man5
SYSUSERSDIR ?= /usr/lib/sysusers.d
TEST_TIMEOUT ?= 2400

# The release build, shared by `make demo`, `make install` and `make deb`: the Swift
# runtime linked in (--static-swift-stdlib), so the binary runs without a toolchain.
RELEASE_BINARY := .build/release/feedwatch
DEB_DIR        ?= .build/deb

# `make install` builds and installs the release binary; `make install BINARY=path` installs
# that binary instead and builds nothing (the tests install the debug build this way).
ifeq ($(origin BINARY), undefined)
BINARY         := $(RELEASE_BINARY)
INSTALL_BUILD  := release
else
INSTALL_BUILD  :=
endif

.PHONY: all deps test-deps build release test demo install deb lint-deb clean check-units man bench-service

all: build

# What building needs (scripts/install-deps.sh build); `make test` adds the test tools.
deps:
	scripts/install-deps.sh build

test-deps:
	scripts/install-deps.sh test

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --static-swift-stdlib --product feedwatch

# The whole suite. Runs under `timeout` because a hung child process must fail the run,
# not stall it:
#   1. the unit file (systemd-analyze security and verify, a staged `make install`);
#   2. the package: `make deb` from the release build, lintian, then scripts/test-package.sh
#      installs it under a real systemd in ../shared/tools/systemd-box and walks the
#      administrator's journey (start, digest, e-mail, reload, restarts, stop, purge);
#   3. the Swift suite, inside scripts/with-postgres.sh, which installs PostgreSQL if needed,
#      starts a throwaway server on 127.0.0.1 for the PostgreSQL tests
#      (FEEDWATCH_TEST_POSTGRES_URL) and stops it afterwards. FEEDWATCH_REQUIRE_ALL=1 turns a
#      test's missing server, tool, corpus or binary into a failure that names it (outside
#      `make test` such a test is reported as skipped, with the reason).
# The Swift suite runs last, so its summary closes the log.
test: test-deps
	$(SWIFT) build --build-tests
	BINARY=.build/debug/feedwatch scripts/check-units.sh
	$(MAKE) --no-print-directory deb lint-deb
	timeout 900 scripts/test-package.sh $$(ls $(DEB_DIR)/feedwatch_*.deb | sort -V | tail -1)
	# Swift Testing only: without --disable-xctest, XCTest adds an "Executed 0 tests" line.
	# The shared-database benchmark lives in the test tree but is a benchmark
	# (scripts/bench-shared-db.sh runs it): left out here, so nothing is skipped.
	FEEDWATCH_REQUIRE_ALL=1 scripts/with-postgres.sh timeout $(TEST_TIMEOUT) $(SWIFT) test --skip-build --disable-xctest \
		--skip SharedDatabaseBenchmark

# The unit file: systemd-analyze security (exposure <= 1.5) and verify (no warnings), and a
# `make install` into a temporary DESTDIR.
check-units:
	BINARY=.build/debug/feedwatch scripts/check-units.sh

# Service figures: start → READY=1 with 1,000 feeds, a full cycle, resident memory.
bench-service: release
	scripts/bench-service.py --binary $(RELEASE_BINARY)

demo: release
	scripts/demo.sh

# The man page, generated from the command-line definitions.
man:
	scripts/generate-manual.sh $(BINARY) .build/man

install: $(INSTALL_BUILD)
	scripts/generate-manual.sh $(BINARY) .build/man
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(SYSCONFDIR)/feedwatch $(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR) \
		$(DESTDIR)$(MAN5DIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d $(DESTDIR)$(PREFIX)/share/doc/feedwatch
	install -m 0755 $(BINARY) $(DESTDIR)$(PREFIX)/bin/feedwatch
	sed -e 's#^ExecStart=/usr/local/bin/feedwatch #ExecStart=$(PREFIX)/bin/feedwatch #' \
		-e 's#--config /etc/feedwatch/#--config $(SYSCONFDIR)/feedwatch/#' \
		systemd/feedwatch.service > $(DESTDIR)$(UNITDIR)/feedwatch.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/feedwatch.service
	install -m 0644 .build/man/feedwatch.1 $(DESTDIR)$(MANDIR)/feedwatch.1
	install -m 0644 docs/feedwatch.toml.5 $(DESTDIR)$(MAN5DIR)/feedwatch.toml.5
	# The unit runs as the system user and group feedwatch: systemd-sysusers creates them
	# (at once when installing into the running system, at boot otherwise).
	install -m 0644 packaging/debian/sysusers.conf $(DESTDIR)$(SYSUSERSDIR)/feedwatch.conf
	[ -n "$(DESTDIR)" ] || ! command -v systemd-sysusers >/dev/null || systemd-sysusers $(SYSUSERSDIR)/feedwatch.conf
	$(BINARY) --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/feedwatch
	$(BINARY) --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_feedwatch
	$(BINARY) --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/feedwatch.fish
	install -m 0644 Config/feedwatch.toml $(DESTDIR)$(PREFIX)/share/doc/feedwatch/feedwatch.toml.example
	# Never overwrite a configuration the user already has.
	[ -e $(DESTDIR)$(SYSCONFDIR)/feedwatch/feedwatch.toml ] || install -m 0644 Config/feedwatch.toml $(DESTDIR)$(SYSCONFDIR)/feedwatch/feedwatch.toml

# The Debian package, from the release build: $(DEB_DIR)/feedwatch_<version>_<arch>.deb
# (scripts/build-deb.sh; packaging/debian holds its control template, maintainer scripts,
# copyright and changelog).
deb: release
	scripts/build-deb.sh $(RELEASE_BINARY) $(DEB_DIR)

# lintian on the package `make deb` built; any error or warning fails.
lint-deb:
	@deb=$$(ls $(DEB_DIR)/feedwatch_*.deb 2>/dev/null | sort -V | tail -1); \
	[ -n "$$deb" ] || { echo "lint-deb: no package in $(DEB_DIR) (run make deb)" >&2; exit 1; }; \
	command -v lintian >/dev/null || { echo "lint-deb: lintian is missing (scripts/install-deps.sh test installs it)" >&2; exit 1; }; \
	echo "lintian $$deb"; \
	lintian --fail-on error,warning --display-info "$$deb"

clean:
	rm -rf .build

# Looks at the HTML digest in a real browser: headless Chromium screenshots of the golden
# sample, hostile and right-to-left (Persian and Arabic with English) pages, phone and desktop
# widths, light and dark. Not part of `make test`
# (it needs Chromium: scripts/install-deps.sh chromium). Writes PNGs to $(SCREENSHOT_DIR).
SCREENSHOT_DIR ?= /tmp/feedwatch-screenshots
GOLDEN_DIR := $(CURDIR)/Tests/FeedWatchDigestTests/Golden
.PHONY: screenshot-digest
screenshot-digest:
	scripts/install-deps.sh runtime chromium
	mkdir -p $(SCREENSHOT_DIR)
	for page in sample hostile rtl index; do \
	  for size in phone:412,900 desktop:1280,900; do \
	    for scheme in light dark; do \
	      flags=""; [ $$scheme = dark ] && flags="--force-dark-mode --blink-settings=preferredColorScheme=0"; \
	      timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars $$flags \
	        --screenshot=$(SCREENSHOT_DIR)/$$page-$${size%%:*}-$$scheme.png --window-size=$${size#*:} \
	        file://$(GOLDEN_DIR)/$$page.html 2>/dev/null || exit 1; \
	    done; \
	  done; \
	done
	@ls $(SCREENSHOT_DIR)/*.png

# The parser fuzzer (`make fuzz-parser FUZZ_SECONDS=600`), not part of `make test`.
include Makefile.parser
