# Thẩm Định — the two commands a newcomer needs are `make run` and `make test`.
# Each installs what is missing (apt packages, npm packages, tauri-driver) and says clearly what it
# cannot install itself (Rust, Node ≥ 20.19).
SHELL := /bin/bash
.DEFAULT_GOAL := help

APT_PACKAGES := libwebkit2gtk-4.1-dev build-essential curl wget file libxdo-dev libssl-dev \
  libayatana-appindicator3-dev librsvg2-dev libsoup-3.0-dev pkg-config xvfb xauth webkit2gtk-driver \
  libimage-exiftool-perl minisign python3-pip cmake nasm poppler-utils librsvg2-bin \
  dbus-daemon dbus-bin libheif-dev
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APP := target/debug/thamdinh-app
CARGO_BIN := $(HOME)/.cargo/bin
export PATH := $(CARGO_BIN):$(HOME)/.local/bin:$(PATH)

.PHONY: help run test lint bench fuzz package package-test deps check-tools apt npm tauri-driver validators app test-rust test-ui e2e bindings fixtures

help:
	@echo "make run    build and start the app (built-in demo data)"
	@echo "           (the first build compiles ~400 crates: about 20 minutes and several GB in target/ on"
	@echo "           2 cores; later builds take seconds. make app builds the app as the tests drive it)"
	@echo "make test   every test: Rust, UI, end-to-end (real app under Xvfb)"
	@echo "make lint   rustfmt, clippy -D warnings, eslint, svelte-check, bindings drift"
	@echo "make bench  benchmarks, as ratios against a baseline measured in the same run"
	@echo "make fixtures  rewrite the hostile fixtures of tests/bundles/ and tests/signed-files/"
	@echo "make fuzz   mutation-fuzz every parser of outside input (FUZZ_SECONDS each, default 600)"
	@echo "make package       the .deb to install (release build: app, thamdinh CLI, desktop entry)"
	@echo "make package-test  install that .deb here, start the installed app under Xvfb, remove it"

check-tools:
	@command -v cargo >/dev/null || { echo "Rust is missing: install it with rustup (https://rustup.rs), then re-run."; exit 1; }
	@command -v node >/dev/null || { echo "Node.js is missing: install Node ≥ 20.19 (e.g. from nodejs.org or NodeSource), then re-run."; exit 1; }
	@node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node "+process.versions.node+" is too old: Vite 8 needs ≥ 20.19 (Debian 12'"'"'s nodejs is 18). Install a newer Node, then re-run."); process.exit(1) }'

# System libraries for Tauri (WebKitGTK) and for the end-to-end tests (Xvfb, WebKitWebDriver).
apt:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages: $$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi

# npm ci when the lock file is newer than what is installed.
npm: node_modules/.package-lock.json
node_modules/.package-lock.json: package-lock.json package.json ui/package.json tests/e2e/package.json
	npm ci --no-audit --no-fund
	@touch $@

tauri-driver:
	@command -v tauri-driver >/dev/null || cargo install tauri-driver --locked --version 2.1.0

# bagit.py, the stock BagIt validator the bundle tests compare with, openpyxl and python-docx (PyPI only).
validators: apt
	@command -v bagit.py >/dev/null || python3 -m pip install --quiet --user bagit 2>/dev/null \
	  || python3 -m pip install --quiet --user --break-system-packages bagit
	@command -v bagit.py >/dev/null || { echo "bagit.py is installed but not on PATH: add $$(python3 -m site --user-base)/bin to PATH."; exit 1; }
	@# openpyxl reads the workbooks back in the tests, as a person's spreadsheet program would.
	@python3 -c 'import openpyxl' 2>/dev/null || python3 -m pip install --quiet --user openpyxl 2>/dev/null \
	  || python3 -m pip install --quiet --user --break-system-packages openpyxl
	@# LibreOffice (Calc, no GUI) re-saves a filled self-assessment form, as a unit without Excel does.
	@command -v soffice >/dev/null || { $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive \
	  $(SUDO) apt-get install -y -q --no-install-recommends libreoffice-calc-nogui; }
	@# python-docx reads the .docx reports back, as an independent reader.
	@python3 -c 'import docx' 2>/dev/null || python3 -m pip install --quiet --user python-docx 2>/dev/null \
	  || python3 -m pip install --quiet --user --break-system-packages python-docx

deps: check-tools apt npm

run: deps
	@[ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] || { echo "No display: start it from a desktop session (or: xvfb-run -a make run)."; exit 1; }
	@# A newcomer sees something real at once: the demo campaign, added only to an empty store.
	@# The whole workspace, as every build here (see `app`): its CLI adds the demo.
	cargo build --workspace --locked --bins
	target/debug/thamdinh demo --if-empty
	npx tauri dev

# The app with the UI built into the binary, as the end-to-end tests drive it, and the CLI beside
# it. Every cargo build here selects the whole workspace, as `cargo test --workspace` does: a build
# of one package (-p thamdinh-cli) unifies dependency features differently and compiled 155
# crates a second time (7 minutes on 2 cores). `cargo test --no-run` builds target/debug/thamdinh
# with those shared features; the app (tauri's own build) comes after it, so nothing overwrites it.
app: deps
	cargo test --workspace --locked --no-run
	npx tauri build --debug --no-bundle

test: deps test-rust test-ui e2e

test-rust: validators
	cargo test --workspace --locked
	@# A short fuzzing pass over every parser of outside input (deterministic seed); `make fuzz` runs
	@# longer. The binary `cargo test` just built: `cargo run -p` would rebuild ~150 crates.
	target/debug/fuzz 3 1

# Mutation fuzzing of every parser of outside input, FUZZ_SECONDS each (findings in target/fuzz/);
# FUZZ_ONLY=photo,plan limits it to those parsers.
FUZZ_SECONDS ?= 600
fuzz: deps
	cargo run --locked --release -p thamdinh-tests --bin fuzz -- $(FUZZ_SECONDS) $$RANDOM $(FUZZ_ONLY)

# Rewrites the hostile fixtures of tests/bundles/ and tests/signed-files/ (then review and commit).
fixtures: deps
	cargo build --workspace --locked --bins
	target/debug/make-bundle-fixtures
	target/debug/make-signed-file-fixtures

# The .deb a delegation installs: the app, the thamdinh CLI in /usr/bin, a desktop entry and icon.
# A release build (~25 min cold on 2 cores), so it is not part of `make test`.
DEB_DIR := target/release/bundle/deb
package: deps
	cargo build --release --locked -p thamdinh-cli
	npx tauri build --bundles deb
	@ls $(DEB_DIR)/*.deb

# Installs the .deb with apt (as a person would), starts the installed app on an empty data folder
# under Xvfb (screenshot in target/e2e/installed-home.png), then removes the package and checks
# that nothing of it is left on PATH.
package-test: package tauri-driver
	@deb=$$(ls $(DEB_DIR)/*.deb | head -n1); name=$$(dpkg-deb -f "$$deb" Package); \
	$(SUDO) apt-get install -y -q "./$$deb" && \
	THAMDINH_APP=/usr/bin/thamdinh-app timeout 300 xvfb-run -a --server-args="-screen 0 1366x768x24" \
	  node tests/e2e/installed-app.mjs; status=$$?; \
	$(SUDO) apt-get remove -y -q "$$name" || status=1; \
	for f in /usr/bin/thamdinh-app /usr/bin/thamdinh; do [ ! -e $$f ] || { echo "$$f is left after removal"; status=1; }; done; \
	exit $$status

test-ui: npm
	npm run test --workspace ui

e2e: app tauri-driver validators
	timeout 600 xvfb-run -a --server-args="-screen 0 1366x768x24" npm test --workspace tests/e2e

# Regenerates the TypeScript types from the Rust types (ts-rs writes them during `cargo test`).
bindings:
	rm -rf ui/src/lib/bindings
	cargo test --workspace --locked export_bindings -- --quiet

lint: deps bindings
	python3 .ci/check-layers.py
	python3 .ci/check-function-length.py
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	npm run lint --workspace ui
	@git diff --exit-code --stat -- ui/src/lib/bindings && [ -z "$$(git status --porcelain -- ui/src/lib/bindings)" ] \
	  || { echo "ui/src/lib/bindings drifted from the Rust types: run 'make bindings' and commit."; exit 1; }

BENCH_APT := imagemagick libvips-tools openssl bc time unzip

bench: app tauri-driver validators
	@missing=$$(for p in $(BENCH_APT); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; fi
	cargo bench --locked -p thamdinh-core --bench criteria
	cargo bench --locked -p thamdinh-core --bench hq
	cargo bench --locked -p thamdinh-reports --bench minutes
	cargo bench --locked -p thamdinh-reports --bench report
	bash src-tauri/crates/core/benches/photos.sh
	bash src-tauri/crates/core/benches/bundles.sh
	timeout 600 xvfb-run -a --server-args="-screen 0 1366x768x24" node tests/e2e/bench-scoring.mjs
	timeout 600 xvfb-run -a --server-args="-screen 0 1366x768x24" node tests/e2e/bench-startup.mjs
