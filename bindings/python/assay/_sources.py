"""How each kind of scan input reaches the C ABI without a needless copy. Internal to the package.

bytes are passed as they are; writable buffers (bytearray, writable memoryviews, mmap) are pointed
into through a ctypes array made over them, which keeps the buffer exported (not resizable) while it
lives; file objects backed by a regular file are scanned through their descriptor; any other stream
is read to its end, at most max_object_bytes. Stateless functions: safe from any thread.
"""
from __future__ import annotations

import io
import os
import stat
from ctypes import c_char
from typing import Any, Optional, Tuple

from . import _native as n
from .errors import error_for


def is_buffer(value: Any) -> bool:
    try:
        memoryview(value)
    except TypeError:
        return False
    return True


def buffer_argument(source: Any) -> Tuple[Any, int]:
    """(what to pass as `data`, its size in bytes) for a bytes-like source, without copying writable
    buffers: the ctypes array made over one exports the buffer, so it cannot be resized while the
    array lives (the scan call's closure holds it). A read-only buffer other than bytes (e.g. a
    memoryview of bytes) is copied once, as ctypes can only point into writable ones."""
    if type(source) is bytes:
        return source, len(source)
    view = memoryview(source)
    if not view.c_contiguous:
        raise ValueError("cannot scan a non-contiguous buffer")
    if view.readonly:
        copy = view.tobytes()
        return copy, len(copy)
    flat = view.cast("B") if view.format != "B" or view.ndim != 1 else view
    if flat.nbytes == 0:
        return None, 0
    return (c_char * flat.nbytes).from_buffer(flat), flat.nbytes


def regular_file_descriptor(stream: Any) -> Optional[int]:
    """The descriptor of a file object backed by a regular file, else None (pipes and sockets are read
    through the file object, so bytes it already buffered are not lost)."""
    fileno = getattr(stream, "fileno", None)
    if fileno is None:
        return None
    try:
        fd = fileno()
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
    except (OSError, ValueError, io.UnsupportedOperation):
        return None
    writable = getattr(stream, "writable", None)
    if writable is not None and writable() and hasattr(stream, "flush"):
        stream.flush()  # the scan maps the file: what is still in Python's buffer would be missed
    return fd


def read_bounded(stream: Any, limit: int) -> bytes:
    """Reads a stream to its end, refusing more than `limit` bytes as the C ABI does for pipes."""
    chunks = []
    total = 0
    while True:
        chunk = stream.read(min(1 << 20, limit + 1 - total))
        if chunk is None:  # a non-blocking stream with nothing ready
            raise error_for(n.E_IO, "the stream is non-blocking and has no data ready")
        if isinstance(chunk, str):
            raise TypeError("the file object is in text mode: open it in binary mode ('rb')")
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise error_for(n.E_TOO_LARGE, f"input is larger than max_object_bytes ({limit} bytes)")
    return b"".join(chunks)
