"""How the package finds libassay.so.1 in an installed prefix: ASSAY_LIBRARY, pkg-config, the loader path.

Each case imports the package in a fresh interpreter with only that one way open, and reads
/proc/self/maps to see which file was really loaded. Needs ASSAY_TEST_PREFIX (the driver,
tests/bindings/run_python.sh, sets it to the `cmake --install` prefix)."""
import os
import subprocess
import sys

import pytest

PREFIX = os.environ.get("ASSAY_TEST_PREFIX")
pytestmark = pytest.mark.skipif(not PREFIX, reason="ASSAY_TEST_PREFIX (an installed prefix) is not set")

PROBE = """
import assay
with assay.Engine() as engine:
    assert engine.scan(b"probe").objects[0].size == 5
print(next(line.split()[-1] for line in open("/proc/self/maps") if "libassay.so" in line))
"""


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("ASSAY_LIBRARY", "LD_LIBRARY_PATH", "PKG_CONFIG_PATH")}
    env.update(extra)
    return env


def probe(env):
    return subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60)


def installed_library():
    return os.path.realpath(os.path.join(PREFIX, "lib", "libassay.so.1"))


def system_library():
    """A libassay the loader cache already knows (installed system-wide): it would rightly be found
    before pkg-config's, so the order cannot be observed with the prefix alone."""
    done = subprocess.run([sys.executable, "-c", "import ctypes.util; print(ctypes.util.find_library('assay') or '')"],
                          env=clean_env(), capture_output=True, text=True, timeout=60)
    return done.stdout.strip()


needs_no_system_library = pytest.mark.skipif(bool(PREFIX) and bool(system_library()),
                                             reason="a system-wide libassay is installed")


def test_assay_library_variable():
    done = probe(clean_env(ASSAY_LIBRARY=os.path.join(PREFIX, "lib", "libassay.so.1")))
    assert done.returncode == 0, done.stderr
    assert os.path.realpath(done.stdout.strip()) == installed_library()


@needs_no_system_library
def test_pkg_config():
    done = probe(clean_env(PKG_CONFIG_PATH=os.path.join(PREFIX, "lib", "pkgconfig")))
    assert done.returncode == 0, done.stderr
    assert os.path.realpath(done.stdout.strip()) == installed_library()


@needs_no_system_library
def test_loader_path():
    done = probe(clean_env(LD_LIBRARY_PATH=os.path.join(PREFIX, "lib")))
    assert done.returncode == 0, done.stderr
    assert os.path.realpath(done.stdout.strip()) == installed_library()


def test_bad_assay_library_fails_with_a_clear_message(tmp_path):
    done = probe(clean_env(ASSAY_LIBRARY=str(tmp_path / "nope.so")))
    assert done.returncode != 0
    assert "ImportError" in done.stderr and "ASSAY_LIBRARY" in done.stderr and "nope.so" in done.stderr


def test_wrong_library_is_refused():
    done = probe(clean_env(ASSAY_LIBRARY="libz.so.1"))
    assert done.returncode != 0 and "not libassay" in done.stderr
