"""Finding and loading libassay.so.1, and the ctypes prototypes of the C ABI (capi/assay.h).

Internal to the package: everything else goes through `lib`, the loaded library with argtypes and
restype set on every function, so ctypes converts and checks arguments instead of guessing.

Where the library is looked for, first hit wins:
  1. the environment variable ASSAY_LIBRARY (a path to the shared library);
  2. ctypes.util.find_library("assay") (the loader cache, and LD_LIBRARY_PATH through ld);
  3. `pkg-config --variable=libdir assay` (PKG_CONFIG_PATH), then libdir/libassay.so.1;
  4. plain "libassay.so.1", which the dynamic loader resolves (LD_LIBRARY_PATH, ld.so.cache).
A library whose ABI version is not ASSAY_ABI_VERSION (1) is refused.

Thread-safety: the library is loaded once, at import; the prototypes are immutable afterwards.
ctypes releases the GIL around every foreign call (CDLL, not PyDLL), so scans on several threads
run in parallel.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_int, c_int64, c_size_t, c_uint32, c_uint64,
                    c_void_p)
from typing import List, Optional

ABI_VERSION = 1
SONAME = "libassay.so.1"

# Status codes (pinned values in assay.h).
OK = 0
LIMIT_REACHED = 1
ABORTED = 2
E_INVALID_ARGUMENT = -1
E_INVALID_HANDLE = -2
E_OUT_OF_RANGE = -3
E_IO = -4
E_TOO_LARGE = -5
E_NO_MEMORY = -6
E_UNSUPPORTED = -7
E_INTERNAL = -8
E_RULES = -9

# assay_option
OPT_MAX_DEPTH = 1
OPT_MAX_OBJECTS = 2
OPT_MAX_OBJECT_BYTES = 3
OPT_MAX_TOTAL_BYTES = 4
OPT_MAX_RATIO = 5
OPT_TIMEOUT_MS = 6
OPT_MAGIC_PREFIX_BYTES = 7
OPT_REPORT_TYPES_DIR = 8
OPT_PARALLEL_HASH_BYTES = 9

# assay_render_option
RENDER_REPORT_TYPE = 1
RENDER_PRETTY = 2
RENDER_VIEW = 3
RENDER_INCLUDE_FIELDS = 4
RENDER_EXCLUDE_FIELDS = 5
RENDER_FULL = 6
RENDER_V13 = 7

RELOAD_STRICT = 1
CALLBACK_CONTINUE = 0
CALLBACK_ABORT = 1


class ObjectInfo(Structure):
    """assay_object_info: struct_size must be set to sizeof before the call."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("depth", c_uint32),
        ("index", c_uint64),
        ("parent", c_int64),
        ("size", c_uint64),
        ("file_type", c_char_p),
        ("file_subtype", c_char_p),
        ("identification", c_char_p),
        ("file_name", c_char_p),
        ("file_path", c_char_p),
        ("sha256", c_char_p),
        ("unpacking_status", c_int),
        ("verdict", c_int),
    ]


class RulesetInfo(Structure):
    """assay_ruleset_info: struct_size must be set to sizeof before the call."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("active", c_int),
        ("precompiled", c_int),
        ("rule_count", c_uint64),
        ("name", c_char_p),
        ("path", c_char_p),
        ("errors", c_char_p),
        ("warnings", c_char_p),
    ]


# int (*assay_object_callback)(const assay_report *report, size_t index, void *user_data)
OBJECT_CALLBACK = CFUNCTYPE(c_int, c_void_p, c_size_t, c_void_p)

_handle_out = POINTER(c_void_p)

# name: (restype, argtypes)
_PROTOTYPES = {
    "assay_version": (c_char_p, []),
    "assay_abi_version": (c_int, []),
    "assay_status_name": (c_char_p, [c_int]),
    "assay_config_new": (c_int, [_handle_out]),
    "assay_config_free": (None, [c_void_p]),
    "assay_config_set_u64": (c_int, [c_void_p, c_int, c_uint64]),
    "assay_config_get_u64": (c_int, [c_void_p, c_int, POINTER(c_uint64)]),
    "assay_config_set_text": (c_int, [c_void_p, c_int, c_char_p]),
    "assay_option_bounds": (c_int, [c_int, POINTER(c_uint64), POINTER(c_uint64), POINTER(c_uint64)]),
    "assay_option_name": (c_char_p, [c_int]),
    "assay_config_add_password": (c_int, [c_void_p, c_char_p]),
    "assay_config_clear_passwords": (c_int, [c_void_p]),
    "assay_config_add_rules": (c_int, [c_void_p, c_char_p]),
    "assay_config_last_error": (c_char_p, [c_void_p]),
    "assay_engine_new": (c_int, [_handle_out, c_void_p]),
    "assay_engine_reload": (c_int, [c_void_p, c_int, _handle_out]),
    "assay_engine_rules": (c_int, [c_void_p, _handle_out]),
    "assay_engine_free": (None, [c_void_p]),
    "assay_scanner_new": (c_int, [_handle_out, c_void_p]),
    "assay_scanner_free": (None, [c_void_p]),
    "assay_scanner_last_error": (c_char_p, [c_void_p]),
    "assay_scanner_set_callback": (c_int, [c_void_p, OBJECT_CALLBACK, c_void_p]),
    "assay_scan_buffer": (c_int, [c_void_p, c_void_p, c_size_t, c_char_p, _handle_out]),
    "assay_scan_fd": (c_int, [c_void_p, c_int, c_char_p, _handle_out]),
    "assay_scan_path": (c_int, [c_void_p, c_char_p, _handle_out]),
    "assay_rules_free": (None, [c_void_p]),
    "assay_rules_id": (c_char_p, [c_void_p]),
    "assay_rules_count": (c_size_t, [c_void_p]),
    "assay_rules_info": (c_int, [c_void_p, c_size_t, POINTER(RulesetInfo)]),
    "assay_report_free": (None, [c_void_p]),
    "assay_report_status": (c_int, [c_void_p]),
    "assay_report_object_count": (c_size_t, [c_void_p]),
    "assay_report_root_verdict": (c_int, [c_void_p]),
    "assay_report_object_info": (c_int, [c_void_p, c_size_t, POINTER(ObjectInfo)]),
    "assay_report_save": (c_int, [c_void_p, POINTER(c_void_p), POINTER(c_size_t)]),
    "assay_report_load": (c_int, [c_void_p, c_void_p, c_size_t, _handle_out]),
    "assay_report_last_error": (c_char_p, [c_void_p]),
    "assay_render_options_new": (c_int, [_handle_out]),
    "assay_render_options_free": (None, [c_void_p]),
    "assay_render_options_set_text": (c_int, [c_void_p, c_int, c_char_p]),
    "assay_render_options_set_bool": (c_int, [c_void_p, c_int, c_int]),
    "assay_render_options_last_error": (c_char_p, [c_void_p]),
    "assay_report_render": (c_int, [c_void_p, c_void_p, POINTER(c_void_p), POINTER(c_size_t)]),
}


def _pkg_config_libdir() -> Optional[str]:
    pkg_config = shutil.which("pkg-config")
    if pkg_config is None:
        return None
    try:
        done = subprocess.run([pkg_config, "--variable=libdir", "assay"], capture_output=True, text=True,
                              timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    libdir = done.stdout.strip()
    return libdir if done.returncode == 0 and libdir else None


def _candidates() -> List[str]:
    """Where to look, in order (see the module docstring)."""
    explicit = os.environ.get("ASSAY_LIBRARY")
    if explicit:
        return [explicit]  # an explicit choice is not second-guessed: it loads or import fails
    found: List[str] = []
    by_name = ctypes.util.find_library("assay")
    if by_name:
        found.append(by_name)
    libdir = _pkg_config_libdir()
    if libdir:
        found.append(os.path.join(libdir, SONAME))
    found.append(SONAME)
    return found


def _load() -> ctypes.CDLL:
    failures = []
    for candidate in _candidates():
        try:
            library = ctypes.CDLL(candidate)
        except OSError as error:
            failures.append(f"{candidate}: {error}")
            continue
        try:
            abi = library.assay_abi_version()
        except AttributeError:
            failures.append(f"{candidate}: not libassay (no assay_abi_version)")
            continue
        if abi != ABI_VERSION:
            failures.append(f"{candidate}: ABI version {abi}, this binding needs {ABI_VERSION}")
            continue
        for name, (restype, argtypes) in _PROTOTYPES.items():
            function = getattr(library, name)
            function.restype = restype
            function.argtypes = argtypes
        return library
    raise ImportError("assay: cannot load libassay.so.1 (set ASSAY_LIBRARY to its path, or make it findable "
                      "by pkg-config or the dynamic loader): " + "; ".join(failures))


lib = _load()


def text(value: Optional[bytes]) -> str:
    """A C string from the library as str (names from the input are data: undecodable bytes are replaced)."""
    return value.decode("utf-8", "replace") if value is not None else ""
