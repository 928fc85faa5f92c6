"""Report: the result of one scan (an assay_report handle), its per-object view, and rendering to JSON.

Ownership: a Report owns its handle and frees it on close(), on leaving a `with` block, or when it is
garbage-collected. It does not need its Engine: a report stays readable and renderable after the
engine is closed (the C report keeps the engine's report types alive).

Thread-safety: the C report is one-thread-at-a-time for rendering and object info (both write
buffers inside it), so every call on it takes the report's own lock; a Report may be shared freely.
"""
from __future__ import annotations

import ctypes
import enum
import json as _json
import threading
from ctypes import byref, c_size_t, c_void_p
from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Optional, Sequence, Union

from . import _native as n
from .errors import ClosedError, error_for

_lib = n.lib

FieldList = Union[Sequence[str], str, None]


class Verdict(enum.IntEnum):
    """tc_report classification.classification (ASSAY_VERDICT_*)."""
    UNKNOWN = 0
    GOODWARE = 1
    SUSPICIOUS = 2
    MALICIOUS = 3


class Status(enum.IntEnum):
    """How a scan ended: ASSAY_OK or a soft outcome (the report is complete as far as it goes)."""
    OK = n.OK
    LIMIT_REACHED = n.LIMIT_REACHED  # a limit stopped some unpacking; the report names it
    ABORTED = n.ABORTED              # an on_object callback stopped the scan


class UnpackingStatus(enum.IntEnum):
    """tc_report info.unpacking.status of one object."""
    NOT_A_CONTAINER = 0
    FAILED = 1
    COMPLETE = 2
    PARTIAL = 3  # e.g. a limit stopped it


@dataclass(frozen=True)
class ObjectInfo:
    """One object of a report (assay_object_info), as plain Python values."""
    index: int
    parent: int  # -1 for the root
    depth: int
    size: int
    file_type: str
    file_subtype: str
    identification: str
    file_name: str
    file_path: str
    sha256: str
    unpacking_status: UnpackingStatus
    verdict: Verdict


def read_object_info(handle: int, index: int) -> ObjectInfo:
    """Reads object `index` of a live report handle. Callers hold whatever lock the handle needs."""
    raw = n.ObjectInfo()
    raw.struct_size = ctypes.sizeof(n.ObjectInfo)
    status = _lib.assay_report_object_info(handle, index, byref(raw))
    if status < 0:
        raise error_for(status, n.text(_lib.assay_report_last_error(handle)))
    return ObjectInfo(index=raw.index, parent=raw.parent, depth=raw.depth, size=raw.size,
                      file_type=n.text(raw.file_type), file_subtype=n.text(raw.file_subtype),
                      identification=n.text(raw.identification), file_name=n.text(raw.file_name),
                      file_path=n.text(raw.file_path), sha256=n.text(raw.sha256),
                      unpacking_status=UnpackingStatus(raw.unpacking_status), verdict=Verdict(raw.verdict))


def _field_list(value: FieldList, what: str) -> str:
    """A field list as the JSON array text the C ABI takes. A str is passed through as that text."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        raise TypeError(f"{what}: a sequence of dot paths or a JSON array text, not bytes")
    return _json.dumps(list(value))


class RenderOptions:
    """An assay_render_options handle filled from keyword arguments; freed on exit. Internal."""

    def __init__(self, report_type: Optional[str], view: Optional[str], include_fields: FieldList,
                 exclude_fields: FieldList, pretty: bool, full: Optional[bool], v13: bool) -> None:
        handle = c_void_p()
        status = _lib.assay_render_options_new(byref(handle))
        if status < 0:
            raise error_for(status, "cannot create render options")
        self.handle = handle.value
        try:
            if report_type is not None:
                self._text(n.RENDER_REPORT_TYPE, report_type)
            if view is not None:
                self._text(n.RENDER_VIEW, view)
            if include_fields is not None:
                self._text(n.RENDER_INCLUDE_FIELDS, _field_list(include_fields, "include_fields"))
            if exclude_fields is not None:
                self._text(n.RENDER_EXCLUDE_FIELDS, _field_list(exclude_fields, "exclude_fields"))
            if pretty:
                self._bool(n.RENDER_PRETTY, True)
            if full is not None:
                self._bool(n.RENDER_FULL, full)
            if v13:
                self._bool(n.RENDER_V13, True)
        except BaseException:
            self.close()
            raise

    def _check(self, status: int) -> None:
        if status < 0:
            raise error_for(status, n.text(_lib.assay_render_options_last_error(self.handle)))

    def _text(self, option: int, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"render option {option}: expected str, got {type(value).__name__}")
        self._check(_lib.assay_render_options_set_text(self.handle, option, value.encode()))

    def _bool(self, option: int, value: bool) -> None:
        self._check(_lib.assay_render_options_set_bool(self.handle, option, 1 if value else 0))

    def close(self) -> None:
        if self.handle:
            _lib.assay_render_options_free(self.handle)
            self.handle = None

    def __enter__(self) -> "RenderOptions":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Report:
    """The result of one scan. Made by Engine.scan or Engine.load_report, never directly."""

    __slots__ = ("_handle", "_lock", "_objects", "__weakref__")

    def __init__(self, handle: int) -> None:
        self._handle: Optional[int] = handle
        self._lock = threading.Lock()
        self._objects: Optional[List[ObjectInfo]] = None

    # -- lifetime -----------------------------------------------------------------------------------

    def close(self) -> None:
        """Frees the report now (also done when it is garbage-collected). Idempotent."""
        with self._lock:
            handle, self._handle = self._handle, None
        if handle:
            _lib.assay_report_free(handle)

    @property
    def closed(self) -> bool:
        return self._handle is None

    def __enter__(self) -> "Report":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self, _free: Any = _lib.assay_report_free) -> None:
        # The free function is bound at definition time: module globals may be gone at interpreter exit.
        handle = getattr(self, "_handle", None)
        if handle:
            self._handle = None
            _free(handle)

    def _live(self) -> int:
        handle = self._handle
        if handle is None:
            raise ClosedError("the report is closed")
        return handle

    # -- plain accessors ----------------------------------------------------------------------------

    @property
    def status(self) -> Status:
        """OK, LIMIT_REACHED or ABORTED."""
        with self._lock:
            return Status(_lib.assay_report_status(self._live()))

    @property
    def limit_reached(self) -> bool:
        """True when a limit stopped some unpacking (the objects concerned have UnpackingStatus.PARTIAL
        and a warning naming the limit in the rendered report)."""
        return self.status == Status.LIMIT_REACHED

    @property
    def verdict(self) -> Verdict:
        """The root object's verdict, after propagation from its children."""
        with self._lock:
            value = _lib.assay_report_root_verdict(self._live())
        if value < 0:
            raise error_for(value, "invalid report")
        return Verdict(value)

    def __len__(self) -> int:
        with self._lock:
            return _lib.assay_report_object_count(self._live())

    @property
    def objects(self) -> List[ObjectInfo]:
        """Every object of the scan, root first, in report order (read once, then cached)."""
        with self._lock:
            if self._objects is None:
                handle = self._live()
                count = _lib.assay_report_object_count(handle)
                self._objects = [read_object_info(handle, i) for i in range(count)]
            return list(self._objects)

    # -- rendering ----------------------------------------------------------------------------------

    def json(self, report_type: Optional[str] = None, view: Optional[str] = None,
             include_fields: FieldList = None, exclude_fields: FieldList = None, pretty: bool = False,
             full: Optional[bool] = None, v13: bool = False) -> str:
        """The tc_report array as JSON text.

        report_type: "small", "medium" (the default), "large", or a custom type of the engine
            ("full" and "summary" are aliases of large and medium). An unknown name raises
            UnsupportedError listing the known ones.
        view: "nested" (the default), "flat" or "extended"; anything else raises InvalidArgumentError.
        include_fields / exclude_fields: dot paths relative to one entry (["info.file.size", ...]),
            as a sequence or as JSON array text; a malformed list raises InvalidArgumentError.
        pretty: indent the JSON. full: the deprecated boolean (True large, False medium) used when
            no report_type is given. v13: enumerations as integers, as in API v1.3.
        """
        with RenderOptions(report_type, view, include_fields, exclude_fields, pretty, full, v13) as options:
            text = c_void_p()
            length = c_size_t()
            with self._lock:
                handle = self._live()
                status = _lib.assay_report_render(handle, options.handle, byref(text), byref(length))
                if status < 0:
                    raise error_for(status, n.text(_lib.assay_report_last_error(handle)))
                # Copied out under the lock: the buffer lives only until the next render on this report.
                return ctypes.string_at(text.value, length.value).decode("utf-8")

    def to_dict(self, **render_options: Any) -> Dict[str, Any]:
        """{"status", "verdict", "tc_report"}: the status and verdict names and the parsed tc_report array,
        rendered with the same keyword arguments as json()."""
        return {
            "status": self.status.name.lower(),
            "verdict": self.verdict.name.lower(),
            "tc_report": _json.loads(self.json(**render_options)),
        }

    def save(self) -> bytes:
        """The report as a compact, versioned byte string; Engine.load_report turns it back into a Report
        that renders identically."""
        data = c_void_p()
        length = c_size_t()
        with self._lock:
            handle = self._live()
            status = _lib.assay_report_save(handle, byref(data), byref(length))
            if status < 0:
                raise error_for(status, n.text(_lib.assay_report_last_error(handle)))
            return ctypes.string_at(data.value, length.value)

    def __repr__(self) -> str:
        if self._handle is None:
            return "<assay.Report closed>"
        return f"<assay.Report {self.status.name} verdict={self.verdict.name} objects={len(self)}>"


def as_dict(info: ObjectInfo) -> Dict[str, Any]:
    """An ObjectInfo as a plain dict (enums as their integer values)."""
    return {k: int(v) if isinstance(v, enum.IntEnum) else v for k, v in asdict(info).items()}
