#!/usr/bin/env bash
# Installs the built tree into a scratch prefix and builds a consumer against it twice: with
# find_package(assay) and with pkg-config. Usage: check_install.sh BUILD_DIR CONSUMER_SOURCE_DIR
set -euo pipefail
build=$1 consumer=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null

# A sanitizer build's library needs its runtime in the consumer: build the consumers with the same
# compiler and -fsanitize flags (tests/CMakeLists.txt sets these two variables for such a build).
cc=cc sanitize=()
if [ -n "${ASSAY_SANITIZER_CC:-}" ]; then
  cc=$ASSAY_SANITIZER_CC
  read -r -a sanitize <<< "$ASSAY_SANITIZER_LDFLAGS"
  export CC=$cc CFLAGS="$ASSAY_SANITIZER_LDFLAGS" LDFLAGS="$ASSAY_SANITIZER_LDFLAGS"
fi
cmake -S "$consumer" -B "$prefix/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/cmake-build" >/dev/null
LD_LIBRARY_PATH="$prefix/lib" "$prefix/cmake-build/consumer"

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
"$cc" -std=c99 -pedantic -Werror "${sanitize[@]}" "$consumer/consumer.c" $(pkg-config --cflags --libs assay) -o "$prefix/pc-consumer"
LD_LIBRARY_PATH="$prefix/lib" "$prefix/pc-consumer"
echo "install package: find_package and pkg-config consumers both work"
