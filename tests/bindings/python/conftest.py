"""Shared fixtures of the Python binding's tests: the bundled rules, EICAR, and real archives made
with Python's zipfile module (no mocks: every test scans real bytes through libassay.so.1).

The package under test is whatever `import assay` finds (the driver, tests/bindings/run_python.sh,
pip-installs it into a target directory and points the loader at an installed libassay)."""
import hashlib
import io
import os
import zipfile

import pytest

import assay

RULES = os.environ.get("ASSAY_RULES") or os.path.join(os.path.dirname(__file__), "..", "..", "..", "rules")

# The EICAR test string, assembled so this file is not itself flagged by a scanner.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def make_zip(members, compression=zipfile.ZIP_DEFLATED):
    """A zip archive (bytes) of {name: bytes}, written by Python's zipfile."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def nested_zip(levels, payload=b"innermost text\n"):
    """A zip in a zip ... `levels` deep around `payload` (levels=1: a zip holding the payload)."""
    data = payload
    for level in range(levels):
        data = make_zip({f"level{level}.zip" if level else "payload.txt": data})
    return data


def sha256(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="session")
def rules_dir():
    assert os.path.isfile(os.path.join(RULES, "eicar.yar")), f"bundled rules not found in {RULES}"
    return RULES


@pytest.fixture
def engine():
    with assay.Engine() as e:
        yield e


@pytest.fixture(scope="session")
def rules_engine(rules_dir):
    with assay.Engine(rules=rules_dir, strict_rules=True) as e:
        yield e
