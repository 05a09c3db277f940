# reel: `make demo` renders the example script; `make test` runs every check CI runs.

# Debian packages reel needs to build, run and test.
APT_PACKAGES := pkg-config libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev \
	gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad \
	gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-tools gstreamer1.0-x \
	gstreamer1.0-espeak espeak-ng fonts-dejavu-core fonts-noto-cjk ffmpeg python3-venv \
	dbus-daemon libglib2.0-bin systemd tmux libpango1.0-dev
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_OPTS := -o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0

.PHONY: setup apt demo test bench build clean install models fuzz

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR := $(PREFIX)/bin

# Project-local dependencies that are not Debian packages: a Python venv with onnxruntime (whose
# libonnxruntime.so reel loads; reel finds .deps/ by itself) and onnx + numpy (to build the
# tests' tiny models and convert model weights). pip's cache keeps the wheels between runs.
DEPS := .deps
ORT_VERSION := 1.31.1
ONNX_VERSION := 1.23.2
ORT_LIB := $(DEPS)/onnxruntime/libonnxruntime.so.$(ORT_VERSION)
# OpenTimelineIO reads reel's .otio exports back in the tests, as an editor would.
OTIO_VERSION := 0.18.1
OTIO_STAMP := $(DEPS)/venv/.opentimelineio-$(OTIO_VERSION)
# tflite2onnx converts the face mesh model, which ships only as TensorFlow Lite.
TFLITE2ONNX_VERSION := 0.4.1
TFLITE2ONNX_STAMP := $(DEPS)/venv/.tflite2onnx-$(TFLITE2ONNX_VERSION)

# Photographs the face tests use (reel never ships or downloads media of its own): scikit-image's
# and matplotlib's sample data, taken from their wheels without installing them.
SKIMAGE_VERSION := 0.26.0
MATPLOTLIB_VERSION := 3.11.2
SAMPLES := $(DEPS)/samples
SAMPLES_STAMP := $(SAMPLES)/.samples-$(SKIMAGE_VERSION)-$(MATPLOTLIB_VERSION)
SAMPLE_FILES := skimage/data/astronaut.png skimage/data/camera.png skimage/data/coffee.png \
	skimage/data/chelsea.png matplotlib/mpl-data/sample_data/grace_hopper.jpg

# Installs what is missing, quietly; does nothing when everything is there.
setup: apt $(ORT_LIB) $(OTIO_STAMP) $(TFLITE2ONNX_STAMP) $(SAMPLES_STAMP)

$(ORT_LIB):
	@echo "setup: installing onnxruntime $(ORT_VERSION) into $(DEPS)/"
	@python3 -m venv $(DEPS)/venv
	@$(DEPS)/venv/bin/pip install -q --disable-pip-version-check \
		onnxruntime==$(ORT_VERSION) onnx==$(ONNX_VERSION) numpy
	@mkdir -p $(DEPS)/onnxruntime
	@cp $$($(DEPS)/venv/bin/python -c 'import onnxruntime, os; print(os.path.dirname(onnxruntime.__file__))')/capi/libonnxruntime.so.$(ORT_VERSION) $@.tmp
	@mv $@.tmp $@

$(OTIO_STAMP): $(ORT_LIB)
	@echo "setup: installing opentimelineio $(OTIO_VERSION) into $(DEPS)/venv"
	@$(DEPS)/venv/bin/pip install -q --disable-pip-version-check opentimelineio==$(OTIO_VERSION)
	@touch $@

$(TFLITE2ONNX_STAMP): $(ORT_LIB)
	@echo "setup: installing tflite2onnx $(TFLITE2ONNX_VERSION) into $(DEPS)/venv"
	@$(DEPS)/venv/bin/pip install -q --disable-pip-version-check tflite2onnx==$(TFLITE2ONNX_VERSION)
	@touch $@

$(SAMPLES_STAMP): $(ORT_LIB)
	@echo "setup: sample photographs from scikit-image and matplotlib into $(SAMPLES)/"
	@mkdir -p $(DEPS)/cache $(SAMPLES)
	@$(DEPS)/venv/bin/pip download -q --disable-pip-version-check --no-deps \
		--only-binary=:all: scikit-image==$(SKIMAGE_VERSION) matplotlib==$(MATPLOTLIB_VERSION) \
		-d $(DEPS)/cache
	@$(DEPS)/venv/bin/python -c 'import glob, os, sys, zipfile; \
		wheels = [zipfile.ZipFile(sorted(glob.glob("$(DEPS)/cache/" + w))[-1]) for w in \
			("scikit_image-$(SKIMAGE_VERSION)-*.whl", "matplotlib-$(MATPLOTLIB_VERSION)-*.whl")]; \
		[open("$(SAMPLES)/" + os.path.basename(n), "wb").write(w.read(n)) \
			for n in sys.argv[1:] for w in wheels if n in w.namelist()]' \
		$(SAMPLE_FILES)
	@touch $@

apt:
	@command -v cargo >/dev/null || { echo "setup: cargo not found: install Rust (https://rustup.rs)" >&2; exit 1; }
	@missing=""; for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "setup: installing$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		$(SUDO) apt-get $(APT_OPTS) update -qq >/dev/null && \
		{ $(SUDO) apt-get $(APT_OPTS) install -y -qq --no-install-recommends $$missing >/dev/null || \
		  $(SUDO) apt-get $(APT_OPTS) install -y -qq --no-install-recommends $$missing >/dev/null; }; \
	fi

build: setup
	cargo build --release

demo: models
	target/release/reel render examples/demo.txt -o out/
	@echo "open out/demo-youtube-1080p.mp4"

test: setup
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	# Builds the plugin's shared object too, which the gst-inspect/gst-launch tests load.
	cargo build --workspace
	# systemd's own checks of the units (verify, security exposure, tmpfiles' inbox).
	bash systemd/check.sh target/debug
	# The default models (kept in .deps/models; archives cached, so later runs are quick).
	target/debug/reel models install --default
	cargo test --workspace

# Every fuzz target (tests/fuzz.rs: the script, spec, config and sidecar parsers, and D-Bus
# calls to a real daemon) for FUZZ_SECONDS each, in a release build; `make test` runs them for
# a second each. An input that panics or hangs is saved under target/fuzz/<target>/.
FUZZ_SECONDS ?= 60
fuzz: setup
	FUZZ_SECONDS=$(FUZZ_SECONDS) cargo test --release --test fuzz -- --test-threads=1 --nocapture

# Downloads, converts and verifies the default ONNX models into .deps/models.
models: build
	target/release/reel models install --default

bench: models
	cargo bench --bench parse
	cargo bench --bench speech
	cargo bench --bench tui
	bash bench/run.sh
	bash bench/footage.sh
	bash bench/talking.sh
	bash bench/edit.sh

# The binary, the systemd units (system and user), the D-Bus policy and activation file,
# sysusers/tmpfiles entries and a commented config. `systemctl daemon-reload` afterwards.
install: build
	install -Dm755 target/release/reel $(DESTDIR)$(BINDIR)/reel
	sed 's|@bindir@|$(BINDIR)|' systemd/reel.service | install -Dm644 /dev/stdin $(DESTDIR)/usr/lib/systemd/system/reel.service
	sed 's|@bindir@|$(BINDIR)|' systemd/user/reel.service | install -Dm644 /dev/stdin $(DESTDIR)/usr/lib/systemd/user/reel.service
	sed 's|@bindir@|$(BINDIR)|' systemd/org.reel.Reel1.service | install -Dm644 /dev/stdin $(DESTDIR)/usr/share/dbus-1/services/org.reel.Reel1.service
	install -Dm644 systemd/org.reel.Reel1.conf $(DESTDIR)/usr/share/dbus-1/system.d/org.reel.Reel1.conf
	install -Dm644 systemd/reel.sysusers $(DESTDIR)/usr/lib/sysusers.d/reel.conf
	install -Dm644 systemd/reel.tmpfiles $(DESTDIR)/usr/lib/tmpfiles.d/reel.conf
	[ -e $(DESTDIR)/etc/reel/reel.toml ] || install -Dm644 systemd/reel.toml $(DESTDIR)/etc/reel/reel.toml

clean:
	cargo clean
	rm -rf out bench/scratch $(DEPS)
