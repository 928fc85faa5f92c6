"""Assay for Python: an embeddable static file-analysis engine, through its C ABI (libassay.so.1).

    import assay
    with assay.Engine(rules="/path/to/rules") as engine:
        report = engine.scan("sample.zip")          # or bytes, or a binary file object
        print(report.verdict.name, report.status.name, len(report.objects))
        print(report.json(report_type="small", pretty=True))

Pure Python over ctypes: nothing to compile. The library is found through ASSAY_LIBRARY, then
ctypes.util.find_library, then pkg-config's libdir, then the dynamic loader (see _native.py).
One Engine serves any number of threads; errors raise AssayError subclasses (one per ASSAY_E_*
status); soft outcomes (a limit reached, a scan aborted by a callback) are on Report.status.
"""
from ._native import ABI_VERSION
from ._native import lib as _lib
from ._native import text as _text
from .engine import Engine, option_bounds
from .errors import (AssayError, AssayIOError, ClosedError, InternalError, InvalidArgumentError, InvalidHandleError,
                     NoMemoryError, OutOfRangeError, RulesError, TooLargeError, UnsupportedError)
from .report import ObjectInfo, Report, Status, UnpackingStatus, Verdict
from .rules import Rules, RulesetInfo


def version() -> str:
    """The loaded library's version, e.g. "0.1.0"."""
    return _text(_lib.assay_version())


__version__ = "0.1.0"

__all__ = [
    "ABI_VERSION", "AssayError", "AssayIOError", "ClosedError", "Engine", "InternalError", "InvalidArgumentError",
    "InvalidHandleError", "NoMemoryError", "ObjectInfo", "OutOfRangeError", "Report", "Rules", "RulesError",
    "RulesetInfo", "Status", "TooLargeError", "UnpackingStatus", "UnsupportedError", "Verdict", "option_bounds",
    "version",
]
