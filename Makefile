# reel: `make demo` renders the example script; `make test` runs every check CI runs.

# Debian packages reel needs to build, run and test.
APT_PACKAGES := pkg-config libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev \
	gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad \
	gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-tools gstreamer1.0-x \
	gstreamer1.0-espeak espeak-ng fonts-dejavu-core fonts-noto-cjk ffmpeg python3-venv
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_OPTS := -o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0

.PHONY: setup demo test bench build clean

# Installs what is missing, quietly; does nothing when everything is there.
setup:
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

demo: build
	target/release/reel render examples/demo.txt -o out/
	@echo "open out/demo-youtube-1080p.mp4"

test: setup
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	# Builds the plugin's shared object too, which the gst-inspect/gst-launch tests load.
	cargo build --workspace
	cargo test --workspace

bench: build
	cargo bench --bench parse
	bash bench/run.sh

clean:
	cargo clean
	rm -rf out bench/scratch
