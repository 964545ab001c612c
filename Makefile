# The two set-up commands. Both install missing Debian packages, configure a
# Release build with ccache and build with -j2 first.
BUILD_DIR ?= build
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: demo test build configure deps clean

demo: build
	$(BUILD_DIR)/bin/throng run scenarios/smoke.yaml

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

configure: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

deps:
	bash scripts/install-deps.sh

clean:
	rm -rf $(BUILD_DIR)
