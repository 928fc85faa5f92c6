#!/usr/bin/env bash
# The Go binding's tests through an installed library, as a user would have it:
#   1. `cmake --install BUILD_DIR` into a scratch prefix inside the build tree;
#   2. in bindings/go: gofmt and go vet must be clean, then `go test` finds the library with
#      `#cgo pkg-config: assay` (PKG_CONFIG_PATH) and loads it through LD_LIBRARY_PATH;
#   3. the concurrency tests once more under the race detector.
# No network: GOPROXY=off and the module has no dependencies; GOPATH and GOCACHE live in the build
# tree (the cache is kept between runs, the prefix is not).
# Usage: run_go.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd) source=$(cd "$2" && pwd)
work="$build/bindings-test/go"
rm -rf "$work/prefix"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null

export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
export LD_LIBRARY_PATH="$work/prefix/lib"
export GOPATH="$work/gopath" GOCACHE="$work/gocache" GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local CGO_ENABLED=1
export ASSAY_RULES="$source/rules"
unset ASSAY_LIBRARY
cd "$source/bindings/go"

unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
  echo "gofmt: not formatted: $unformatted" >&2
  exit 1
fi
go vet ./...
if [ -n "${ASSAY_SANITIZER_CC:-}" ]; then
  # A sanitizer build's library: link the test binary with the same compiler and sanitizer runtime.
  # The race detector cannot share a process with ASan; it runs in the ordinary build's test stage.
  export CC=$ASSAY_SANITIZER_CC CGO_LDFLAGS="$ASSAY_SANITIZER_LDFLAGS"
  exec go test -count=1 -v ./...
fi
go test -count=1 -race -run 'Goroutines|CloseWhileScanning' ./...
exec go test -count=1 -v ./...
