"""Engine: an assay_engine (settings, rules, tables) plus a pool of per-thread assay_scanner handles.

    with assay.Engine(rules="rules/", max_depth=8) as engine:
        report = engine.scan(b"...")            # bytes, a path, or a binary file object
        print(report.verdict, report.json(report_type="small"))

Ownership: the Engine owns its engine handle and every scanner in its pool. close() (or leaving the
`with` block, or garbage collection) frees the idle scanners and the engine at once; a scanner busy in
another thread is freed when its scan returns (the C scanner keeps the engine's state alive until
then). Any call made after close() raises ClosedError, before anything reaches C.

Thread-safety: share one Engine across threads. The C engine is immutable; a C scanner is
one-thread-at-a-time, so each scan takes a scanner from the pool (making one when none is idle) and
puts it back afterwards; the pool's lock is held only for that hand-over, never during a scan, and
ctypes releases the GIL during the scan itself, so scans on several threads run in parallel.
"""
from __future__ import annotations

import contextlib
import os
import threading
from ctypes import byref, c_uint64, c_void_p
from typing import Any, BinaryIO, Callable, Iterator, List, Optional, Sequence, Tuple, Union

from . import _native as n
from ._sources import buffer_argument, is_buffer, read_bounded, regular_file_descriptor
from .errors import ClosedError, RulesError, error_for
from .report import ObjectInfo, Report, read_object_info
from .rules import Rules, take_snapshot

_lib = n.lib
_scan_buffer = _lib.assay_scan_buffer

PathLike = Union[str, "os.PathLike[str]", "os.PathLike[bytes]"]
Source = Union[bytes, bytearray, memoryview, PathLike, BinaryIO]
ObjectCallback = Callable[[ObjectInfo], Optional[bool]]

# Numeric settings by their Python name (the library's own option names, timeout in milliseconds).
_NUMERIC_OPTIONS = {
    "max_depth": n.OPT_MAX_DEPTH,
    "max_objects": n.OPT_MAX_OBJECTS,
    "max_object_bytes": n.OPT_MAX_OBJECT_BYTES,
    "max_total_bytes": n.OPT_MAX_TOTAL_BYTES,
    "max_ratio": n.OPT_MAX_RATIO,
    "timeout_ms": n.OPT_TIMEOUT_MS,
    "magic_prefix_bytes": n.OPT_MAGIC_PREFIX_BYTES,
    "parallel_hash_bytes": n.OPT_PARALLEL_HASH_BYTES,
}

# Idle scanners kept per engine; more than this many threads scanning at once make and free extras.
_MAX_IDLE_SCANNERS = 64


def option_bounds(name: str) -> Tuple[int, int, int]:
    """(minimum, maximum, default) of a numeric engine option, e.g. option_bounds("max_depth")."""
    if name not in _NUMERIC_OPTIONS:
        raise KeyError(f"unknown option {name!r}; known: {', '.join(_NUMERIC_OPTIONS)}")
    low, high, default = c_uint64(), c_uint64(), c_uint64()
    status = _lib.assay_option_bounds(_NUMERIC_OPTIONS[name], byref(low), byref(high), byref(default))
    if status < 0:
        raise error_for(status, f"no bounds for {name}")
    return low.value, high.value, default.value


def _encode_path(path: PathLike) -> bytes:
    return os.fsencode(path)


def _encode_name(name: Optional[str]) -> Optional[bytes]:
    return None if name is None else name.encode("utf-8", "surrogateescape")


class Engine:
    """Settings, rules and tables, built once and shared by every scan (and every thread).

    Keyword arguments (each None means the library's default; see option_bounds()):
      rules: a .yar/.yara file, a compiled rules file or a folder, or a sequence of them.
      strict_rules: raise RulesError when any rule file fails to compile (by default such a file is
          left out, reported in `engine.rules`, and the others work).
      passwords: tried on encrypted archive members, in order (default ["infected"]).
      max_depth, max_objects, max_object_bytes, max_total_bytes, max_ratio, timeout_ms,
      magic_prefix_bytes, parallel_hash_bytes: the limits and tuning knobs of capi/assay.h.
      report_types_dir: a folder of custom report types (*.json).
    A value outside its bounds raises OutOfRangeError; a bad report types folder InvalidArgumentError.
    """

    def __init__(self, *, rules: Union[PathLike, Sequence[PathLike], None] = None, strict_rules: bool = False,
                 passwords: Optional[Sequence[str]] = None, max_depth: Optional[int] = None,
                 max_objects: Optional[int] = None, max_object_bytes: Optional[int] = None,
                 max_total_bytes: Optional[int] = None, max_ratio: Optional[int] = None,
                 timeout_ms: Optional[int] = None, magic_prefix_bytes: Optional[int] = None,
                 parallel_hash_bytes: Optional[int] = None, report_types_dir: Optional[PathLike] = None) -> None:
        self._lock = threading.Lock()
        self._handle: Optional[int] = None
        self._closed = False
        self._idle: List[int] = []
        self._borrowers = 0  # calls using the engine handle outside the lock right now
        numeric = {"max_depth": max_depth, "max_objects": max_objects, "max_object_bytes": max_object_bytes,
                   "max_total_bytes": max_total_bytes, "max_ratio": max_ratio, "timeout_ms": timeout_ms,
                   "magic_prefix_bytes": magic_prefix_bytes, "parallel_hash_bytes": parallel_hash_bytes}
        config = c_void_p()
        status = _lib.assay_config_new(byref(config))
        if status < 0:
            raise error_for(status, "cannot create a config")
        try:
            self._configure(config.value, numeric, rules, passwords, report_types_dir)
            limit = c_uint64()
            self._check_config(config.value, _lib.assay_config_get_u64(config.value, n.OPT_MAX_OBJECT_BYTES,
                                                                       byref(limit)))
            self.max_object_bytes: int = limit.value
            engine = c_void_p()
            self._check_config(config.value, _lib.assay_engine_new(byref(engine), config.value))
            self._handle = engine.value
        finally:
            _lib.assay_config_free(config.value)
        if strict_rules:
            snapshot = self.rules
            if not snapshot.all_compiled:
                self.close()
                raise RulesError("rule files failed to compile:\n" + "\n".join(snapshot.errors), n.E_RULES,
                                 snapshot.rulesets)

    @staticmethod
    def _check_config(config: int, status: int) -> None:
        if status < 0:
            raise error_for(status, n.text(_lib.assay_config_last_error(config)))

    def _configure(self, config: int, numeric: dict, rules: Any, passwords: Optional[Sequence[str]],
                   report_types_dir: Optional[PathLike]) -> None:
        for name, value in numeric.items():
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int, not {type(value).__name__}")
            if value < 0:
                low, high, _ = option_bounds(name)
                raise error_for(n.E_OUT_OF_RANGE, f"{name} must be between {low} and {high}, not {value}")
            self._check_config(config, _lib.assay_config_set_u64(config, _NUMERIC_OPTIONS[name], value))
        if report_types_dir is not None:
            self._check_config(config, _lib.assay_config_set_text(config, n.OPT_REPORT_TYPES_DIR,
                                                                  _encode_path(report_types_dir)))
        if passwords is not None:
            if isinstance(passwords, (str, bytes)):
                raise TypeError("passwords must be a sequence of str, not a single string")
            self._check_config(config, _lib.assay_config_clear_passwords(config))
            for password in passwords:
                self._check_config(config, _lib.assay_config_add_password(config, password.encode("utf-8")))
        if rules is not None:
            paths = [rules] if isinstance(rules, (str, bytes, os.PathLike)) else list(rules)
            for path in paths:
                self._check_config(config, _lib.assay_config_add_rules(config, _encode_path(path)))

    # -- lifetime -----------------------------------------------------------------------------------

    def close(self) -> None:
        """Frees the engine and its idle scanners; scans running in other threads finish first with
        their own scanner, which is then freed. Idempotent. Reports already made stay usable."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            idle, self._idle = self._idle, []
            handle = self._take_handle_if_unused()
        for scanner in idle:
            _lib.assay_scanner_free(scanner)
        if handle:
            _lib.assay_engine_free(handle)

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_lock", None) is None:
            return  # __init__ failed before anything was made
        try:
            self.close()
        except Exception:  # noqa: BLE001 - at interpreter exit the module's globals may already be gone
            pass

    def _take_handle_if_unused(self) -> Optional[int]:
        """Under the lock: the engine handle, cleared, once closed and no call is using it."""
        if self._closed and self._borrowers == 0 and self._handle:
            handle, self._handle = self._handle, None
            return handle
        return None

    @contextlib.contextmanager
    def _borrowed_handle(self) -> Iterator[int]:
        """The engine handle, kept alive (close() defers freeing it) for the duration of the block."""
        with self._lock:
            if self._closed:
                raise ClosedError("the engine is closed")
            self._borrowers += 1
            handle = self._handle
        try:
            yield handle
        finally:
            with self._lock:
                self._borrowers -= 1
                orphan = self._take_handle_if_unused()
            if orphan:
                _lib.assay_engine_free(orphan)

    def _acquire_scanner(self) -> int:
        with self._lock:
            if self._closed:
                raise ClosedError("the engine is closed")
            if self._idle:
                return self._idle.pop()
            # Made under the lock, so close() cannot free the engine handle meanwhile.
            scanner = c_void_p()
            status = _lib.assay_scanner_new(byref(scanner), self._handle)
        if status < 0:
            raise error_for(status, "cannot create a scanner")
        return scanner.value

    def _release_scanner(self, scanner: int) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < _MAX_IDLE_SCANNERS:
                self._idle.append(scanner)
                return
        _lib.assay_scanner_free(scanner)

    # -- scanning -----------------------------------------------------------------------------------

    def scan(self, source: Source, *, name: Optional[str] = None,
             on_object: Optional[ObjectCallback] = None) -> Report:
        """Scans one object and returns its Report.

        source: bytes / bytearray / memoryview (read in place, never copied, except a read-only buffer
            that is not bytes); a path (str or os.PathLike: memory-mapped); or a binary file object (a
            regular file is mapped through its descriptor, whole, whatever the current position;
            anything else is read to the end, at most max_object_bytes, else TooLargeError).
        name: the root's file name in the report (paths default to their last component, file
            objects to their .name's).
        on_object: called with each object's ObjectInfo as soon as it is identified and hashed, on
            this thread; return False to stop the scan (the report then has Status.ABORTED). An
            exception raised by it stops the scan and is re-raised here.

        A limit that stops unpacking is not an error: the report has Status.LIMIT_REACHED. Errors
        (unreadable path, closed engine, ...) raise AssayError subclasses.
        """
        if type(source) is bytes and on_object is None:  # the hot path: no conversions, no callback
            scanner = self._acquire_scanner()
            try:
                out = c_void_p()
                status = _scan_buffer(scanner, source, len(source), _encode_name(name), byref(out))
                if status < 0:
                    raise error_for(status, n.text(_lib.assay_scanner_last_error(scanner)))
            finally:
                self._release_scanner(scanner)
            return Report(out.value)
        return self._scan_any(source, name, on_object)

    def _scan_any(self, source: Source, name: Optional[str], on_object: Optional[ObjectCallback]) -> Report:
        if isinstance(source, (str, os.PathLike)):
            path = _encode_path(source)
            return self._run(lambda s, out: _lib.assay_scan_path(s, path, out), on_object)
        if isinstance(source, (bytes, bytearray, memoryview)) or is_buffer(source):
            data, size = buffer_argument(source)
            encoded = _encode_name(name)
            return self._run(lambda s, out: _scan_buffer(s, data, size, encoded, out), on_object)
        if hasattr(source, "read"):
            return self._scan_stream(source, name, on_object)
        raise TypeError(f"cannot scan a {type(source).__name__}: pass bytes, a path or a binary file object")

    def _scan_stream(self, stream: BinaryIO, name: Optional[str], on_object: Optional[ObjectCallback]) -> Report:
        if name is None:
            stream_name = getattr(stream, "name", None)
            name = os.path.basename(stream_name) if isinstance(stream_name, str) else ""
        fd = regular_file_descriptor(stream)
        encoded = _encode_name(name)
        if fd is not None:
            return self._run(lambda s, out: _lib.assay_scan_fd(s, fd, encoded, out), on_object)
        data = read_bounded(stream, self.max_object_bytes)
        return self._run(lambda s, out: _scan_buffer(s, data, len(data), encoded, out), on_object)

    def _run(self, call: Callable[[int, Any], int], on_object: Optional[ObjectCallback]) -> Report:
        """Runs one scan call on a pooled scanner, with the callback installed when there is one.
        `call` holds what must stay valid during the scan (the buffer, its export) in its closure."""
        scanner = self._acquire_scanner()
        failure: List[BaseException] = []
        trampoline = None
        try:
            if on_object is not None:
                def forward(report: int, index: int, _user: Any) -> int:
                    try:
                        return n.CALLBACK_ABORT if on_object(read_object_info(report, index)) is False \
                            else n.CALLBACK_CONTINUE
                    except BaseException as error:  # noqa: B902 - re-raised after the scan
                        failure.append(error)
                        return n.CALLBACK_ABORT
                trampoline = n.OBJECT_CALLBACK(forward)
                _lib.assay_scanner_set_callback(scanner, trampoline, None)
            out = c_void_p()
            try:
                status = call(scanner, byref(out))
            finally:
                if trampoline is not None:
                    _lib.assay_scanner_set_callback(scanner, n.OBJECT_CALLBACK(), None)
            if status < 0:
                raise error_for(status, n.text(_lib.assay_scanner_last_error(scanner)))
        finally:
            self._release_scanner(scanner)
        report = Report(out.value)
        if failure:
            report.close()
            raise failure[0]
        return report

    # -- rules and saved reports --------------------------------------------------------------------

    @property
    def rules(self) -> Rules:
        """A snapshot of the rules in use now (identifier and per-file compile status)."""
        with self._borrowed_handle() as handle:
            out = c_void_p()
            status = _lib.assay_engine_rules(handle, byref(out))
            if status < 0:
                raise error_for(status, "cannot read the engine's rules")
            return take_snapshot(out.value)

    def reload(self, *, strict: bool = False) -> Rules:
        """Recompiles the engine's rule paths and swaps the new set in atomically (running scans finish
        with the old one). Returns what was compiled. With strict=True a compile error anywhere raises
        RulesError (its .rulesets say which file) and keeps the old rules."""
        with self._borrowed_handle() as handle:
            attempt = c_void_p()
            status = _lib.assay_engine_reload(handle, n.RELOAD_STRICT if strict else 0, byref(attempt))
            snapshot = take_snapshot(attempt.value) if attempt.value else Rules("", ())
            if status == n.E_RULES:
                raise RulesError("rule files failed to compile, the old rules are kept:\n" +
                                 "\n".join(snapshot.errors), status, snapshot.rulesets)
            if status < 0:
                raise error_for(status, "reload failed")
            return snapshot

    def load_report(self, data: bytes) -> Report:
        """A Report from bytes made by Report.save() (custom report types come from this engine).
        Malformed or foreign bytes raise InvalidArgumentError."""
        data = bytes(data)
        with self._borrowed_handle() as handle:
            out = c_void_p()
            status = _lib.assay_report_load(handle, data, len(data), byref(out))
            if status < 0:
                raise error_for(status, "not a saved Assay report (malformed, truncated or foreign bytes)")
            return Report(out.value)

    def __repr__(self) -> str:
        return "<assay.Engine closed>" if self._closed else "<assay.Engine>"
