# feedwatch — build, test, demo and install.
# `make demo` and `make test` do all set-up on a fresh Debian 12 machine with Swift.

SWIFT       ?= swift
PREFIX      ?= /usr/local
DESTDIR     ?=
TEST_TIMEOUT ?= 2400

.PHONY: all deps build release test demo install clean check-units

all: build

deps:
	scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# The whole suite. Runs under `timeout` because a hung child process must fail the run,
# not stall it. scripts/with-postgres.sh installs PostgreSQL if needed, starts a throwaway
# server on 127.0.0.1 for the PostgreSQL tests (FEEDWATCH_TEST_POSTGRES_URL) and stops it
# afterwards.
test: deps
	$(SWIFT) build --build-tests
	scripts/with-postgres.sh timeout $(TEST_TIMEOUT) $(SWIFT) test --skip-build

demo: release
	scripts/demo.sh

install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)/etc/feedwatch $(DESTDIR)/lib/systemd/system
	install -m 0755 .build/release/feedwatch $(DESTDIR)$(PREFIX)/bin/feedwatch
	install -m 0644 systemd/feedwatch.service $(DESTDIR)/lib/systemd/system/feedwatch.service
	# Never overwrite a configuration the user already has.
	[ -e $(DESTDIR)/etc/feedwatch/feedwatch.toml ] || install -m 0644 Config/feedwatch.toml $(DESTDIR)/etc/feedwatch/feedwatch.toml

clean:
	rm -rf .build
