# The two set-up commands. Both install missing Debian packages, configure a
# Release build with ccache and build with -j2 first.
BUILD_DIR ?= build
JOBS ?= 2
CMAKE_FLAGS ?=

FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 20
RESP_FUZZ_SECONDS ?= 10
WS_FUZZ_SECONDS ?= 10

.PHONY: demo test fuzz build configure deps clean package

demo: build
	$(BUILD_DIR)/bin/throng run scenarios/smoke.yaml

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure
	$(MAKE) fuzz

# Frame and token decoding, the WebSocket frames the server's connections read, and the
# Redis replies the bus reads, under libFuzzer
# (clang, ASan, UBSan) for a bounded time each.
fuzz: deps
	cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DTHRONG_FUZZ=ON
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target frame_fuzz resp_fuzz ws_fuzz
	mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/resp-corpus $(FUZZ_DIR)/ws-corpus
	$(FUZZ_DIR)/bin/frame_fuzz -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -print_final_stats=1 \
	  $(FUZZ_DIR)/corpus tests/fuzz/corpus
	$(FUZZ_DIR)/bin/resp_fuzz -max_total_time=$(RESP_FUZZ_SECONDS) -rss_limit_mb=2048 -print_final_stats=1 \
	  $(FUZZ_DIR)/resp-corpus tests/fuzz/resp-corpus
	$(FUZZ_DIR)/bin/ws_fuzz -max_total_time=$(WS_FUZZ_SECONDS) -rss_limit_mb=2048 -print_final_stats=1 \
	  $(FUZZ_DIR)/ws-corpus tests/fuzz/ws-corpus

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

configure: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

# Debian packages of the agent, the controller and the server, in $(BUILD_DIR)/packages/.
package: build
	cd $(BUILD_DIR) && cpack -G DEB

deps:
	bash scripts/install-deps.sh

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_DIR)
