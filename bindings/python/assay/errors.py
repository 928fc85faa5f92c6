"""Exceptions: one class per ASSAY_E_* status of the C ABI, carrying the message of the handle it failed on.

Soft outcomes (ASSAY_LIMIT_REACHED, ASSAY_ABORTED) are not errors: they are on the Report
(`Report.status`, `Report.limit_reached`). Every class derives from AssayError, and from the built-in
exception a Python caller would try first where one fits (ValueError, OSError, MemoryError), so both
`except assay.AssayError` and `except ValueError` work.

Immutable; safe to share between threads.
"""
from __future__ import annotations

from typing import Dict, Type

from . import _native as n


class AssayError(Exception):
    """A failed call into libassay. `status` is the negative ASSAY_E_* code, `message` the handle's text."""

    status: int = n.E_INTERNAL

    def __init__(self, message: str, status: int = 0) -> None:
        if status:
            self.status = status
        self.message = message
        super().__init__(message)

    @property
    def status_name(self) -> str:
        """The library's short name of the status ("invalid argument", ...)."""
        return n.text(n.lib.assay_status_name(self.status))

    def __str__(self) -> str:
        return f"{self.message} ({self.status_name})" if self.message else self.status_name


class InvalidArgumentError(AssayError, ValueError):
    """ASSAY_E_INVALID_ARGUMENT: a NULL or malformed argument (e.g. a bad field list or view)."""
    status = n.E_INVALID_ARGUMENT


class InvalidHandleError(AssayError):
    """ASSAY_E_INVALID_HANDLE: a freed or foreign handle."""
    status = n.E_INVALID_HANDLE


class ClosedError(InvalidHandleError):
    """An Engine, Report or Rules object used after close(): caught here, before any call into C."""


class OutOfRangeError(AssayError, ValueError):
    """ASSAY_E_OUT_OF_RANGE: an option outside its bounds, an index past the end."""
    status = n.E_OUT_OF_RANGE


class AssayIOError(AssayError, OSError):
    """ASSAY_E_IO: a path or descriptor could not be opened, mapped or read."""
    status = n.E_IO


class TooLargeError(AssayError):
    """ASSAY_E_TOO_LARGE: an unmappable input (a pipe, a stream) larger than max_object_bytes."""
    status = n.E_TOO_LARGE


class NoMemoryError(AssayError, MemoryError):
    """ASSAY_E_NO_MEMORY."""
    status = n.E_NO_MEMORY


class UnsupportedError(AssayError):
    """ASSAY_E_UNSUPPORTED: a valid request this build does not provide (e.g. an unknown report type)."""
    status = n.E_UNSUPPORTED


class InternalError(AssayError):
    """ASSAY_E_INTERNAL: a bug in Assay."""
    status = n.E_INTERNAL


class RulesError(AssayError):
    """ASSAY_E_RULES: a rule file failed to compile under a strict load or reload; nothing was changed.

    `rulesets` lists the RulesetInfo of every file of the attempt (see .errors on each)."""
    status = n.E_RULES

    def __init__(self, message: str, status: int = 0, rulesets: tuple = ()) -> None:
        super().__init__(message, status)
        self.rulesets = rulesets


_BY_STATUS: Dict[int, Type[AssayError]] = {
    cls.status: cls
    for cls in (InvalidArgumentError, InvalidHandleError, OutOfRangeError, AssayIOError, TooLargeError,
                NoMemoryError, UnsupportedError, InternalError, RulesError)
}


def error_for(status: int, message: str) -> AssayError:
    """The exception for a negative status (an unknown one becomes a plain AssayError with that status)."""
    cls = _BY_STATUS.get(status)
    if cls is None:
        return AssayError(message, status)
    return cls(message, status)
