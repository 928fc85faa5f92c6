#!/usr/bin/env bash
# The Python binding's tests through an installed library, as a user would have it:
#   1. `cmake --install BUILD_DIR` into a scratch prefix inside the build tree;
#   2. `pip install --no-index --no-build-isolation --target` the package (offline, Debian's
#      setuptools) from a copy of bindings/python, so no build/ or egg-info lands in the source tree;
#   3. pytest (Debian's python3-pytest, run by /usr/bin/python3) over tests/bindings/python, the
#      library found through pkg-config (PKG_CONFIG_PATH) only: no ASSAY_LIBRARY, no LD_LIBRARY_PATH.
# Usage: run_python.sh BUILD_DIR SOURCE_DIR [PYTHON]
set -euo pipefail
build=$(cd "$1" && pwd) source=$(cd "$2" && pwd) python=${3:-/usr/bin/python3}
work="$build/bindings-test/python"
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >/dev/null

cp -r "$source/bindings/python" "$work/package"
"$python" -m pip install --quiet --no-index --no-build-isolation --no-deps --disable-pip-version-check --no-cache-dir \
  --root-user-action=ignore --target "$work/site" "$work/package"

unset ASSAY_LIBRARY LD_LIBRARY_PATH
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
export ASSAY_TEST_PREFIX="$work/prefix"
export ASSAY_RULES="$source/rules"
export PYTHONPATH="$work/site"
export PYTHONDONTWRITEBYTECODE=1
# A sanitizer build's library expects the sanitizer runtime in the process: preload clang's shared
# ASan runtime (it carries UBSan's handlers too) into the interpreter. CPython's own allocations are
# not ours to judge, so leak detection is left to the C tests in that build.
if [ -n "${ASSAY_SANITIZER_CC:-}" ]; then
  export LD_PRELOAD=$("$ASSAY_SANITIZER_CC" -print-file-name=libclang_rt.asan-x86_64.so)
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fi
cd "$source/tests/bindings/python"
# The package must come from the installed copy, not from the source tree.
"$python" -c 'import assay, sys; sys.exit(0 if assay.__file__.startswith(sys.argv[1]) else "imported " + assay.__file__)' "$work/site"
exec "$python" -m pytest -p no:cacheprovider -q -ra .
