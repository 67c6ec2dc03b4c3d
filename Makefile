# spanmap: `make demo` and `make test` work on a fresh Debian machine (root, or sudo).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Debian packages: libpcap-dev builds the `cap` binding; the rest are real peers the tests run
# (tshark is the flow oracle, softflowd exports NetFlow/IPFIX, tcpreplay feeds live capture,
# mosquitto is the external broker, clickhouse-server the shared console store (issue 19), chromium runs the browser tests,
# nftables/iptables validate policy exports, systemd-analyze verifies the units, rsyslog (with its openssl TLS driver)
# receives alerts over UDP, TCP and TLS).
APT_PACKAGES := libpcap-dev tshark softflowd tcpreplay mosquitto clickhouse-server chromium nftables iptables iproute2 systemd python3 make g++ rsyslog rsyslog-openssl
# Peers for benchmarks only.
APT_BENCH := softflowd nfdump argus-server argus-client tcpreplay

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
STAMP := node_modules/.spanmap-setup

.PHONY: help setup apt npm build lint format demo demo-cluster test bench install clean

help:
	@echo "make demo    set up (Debian packages, npm ci, build) and run the demo"
	@echo "make demo-cluster  Mosquitto, ClickHouse and two consoles sharing them (docs/multi-console.md)"
	@echo "make test    set up and run the test suite"
	@echo "make lint    eslint and prettier over the tree (make format rewrites it)"
	@echo "make bench   run the benchmarks against softflowd, nfpcapd and argus"
	@echo "make install build, then install code, systemd units and example configs (PREFIX, DESTDIR)"

setup: apt npm build

# Installs only what is missing, so a second run is quick.
apt:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

npm: $(STAMP)
$(STAMP): package-lock.json package.json */package.json
	npm ci --no-audit --no-fund
	@touch $@

build: npm
	npx tsc -b
	@if [ ! -f console/ui/dist/index.html ] || [ -n "$$(find console/ui/src console/ui/public console/ui/index.html console/ui/vite.config.ts console/ui/tsconfig.json -newer console/ui/dist/index.html | head -1)" ]; then npx tsc -p console/ui && npx vite build --config console/ui/vite.config.ts --logLevel warn; fi
	@# The probe's libpcap capture module (probe/native, N-API, C): rebuilt when its sources change.
	@# npm run puts npm's own node-gyp on PATH (works offline); headers from /usr/include/node when present.
	@if [ ! -f probe/native/build/Release/spanmap_pcap.node ] || [ -n "$$(find probe/native/src probe/native/binding.gyp -newer probe/native/build/Release/spanmap_pcap.node)" ]; then \
	  npm run --silent build:native -w @spanmap/probe -- $$([ -f /usr/include/node/node_api.h ] && echo --nodedir=/usr) >/dev/null || exit 1; \
	fi

demo: setup
	node bin/spanmap.js demo

demo-cluster: setup
	node scripts/demo-cluster.mjs $(ARGS)

# Lint and format checks run first: a tree that fails them fails the tests.
lint: npm
	npx eslint --max-warnings 0 .
	npx prettier --check --log-level warn .

format: npm
	npx prettier --write --log-level warn .
	npx eslint --fix .

test: setup lint
	npx vitest run

bench: setup
	@missing=$$(for p in $(APT_BENCH); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; fi
	node bench/run.js

# PREFIX (default /usr/local), SYSCONFDIR, UNITDIR and DESTDIR are passed through to the script.
install: setup
	sh scripts/install.sh

clean:
	npx tsc -b --clean
	rm -rf node_modules */node_modules
