"""Rules: a snapshot of the YARA rules an engine uses (an assay_rules handle), read into plain values.

A Rules object is read completely when it is made (identifier and one RulesetInfo per rule file) and
the C handle is freed at once, so it holds no native resource and is immutable: share it freely.
"""
from __future__ import annotations

import ctypes
from ctypes import byref
from dataclasses import dataclass
from typing import Iterator, Tuple

from . import _native as n
from .errors import error_for

_lib = n.lib


@dataclass(frozen=True)
class RulesetInfo:
    """One rule file's compile status (assay_ruleset_info)."""
    name: str          # the file's stem: the ruleset's name and YARA namespace
    path: str
    active: bool       # compiled and in use
    precompiled: bool  # a compiled (yarac) rules file
    rule_count: int
    errors: Tuple[str, ...]    # "file:line: message" lines
    warnings: Tuple[str, ...]


def _lines(raw: bytes) -> Tuple[str, ...]:
    return tuple(line for line in n.text(raw).split("\n") if line)


@dataclass(frozen=True)
class Rules:
    """The rules of an engine at one moment: `identifier` (SHA-1 of the active rulesets, "" when none)
    and `rulesets`, one per rule file, compiled or not."""
    identifier: str
    rulesets: Tuple[RulesetInfo, ...]

    @property
    def all_compiled(self) -> bool:
        return all(r.active for r in self.rulesets)

    @property
    def errors(self) -> Tuple[str, ...]:
        """Every compile error of every file."""
        return tuple(e for r in self.rulesets for e in r.errors)

    def __iter__(self) -> Iterator[RulesetInfo]:
        return iter(self.rulesets)

    def __len__(self) -> int:
        return len(self.rulesets)


def take_snapshot(handle: int) -> Rules:
    """Reads an assay_rules handle into a Rules value and frees the handle (ownership is taken)."""
    try:
        rulesets = []
        for index in range(_lib.assay_rules_count(handle)):
            raw = n.RulesetInfo()
            raw.struct_size = ctypes.sizeof(n.RulesetInfo)
            status = _lib.assay_rules_info(handle, index, byref(raw))
            if status < 0:
                raise error_for(status, f"cannot read rule file {index} of the snapshot")
            rulesets.append(RulesetInfo(name=n.text(raw.name), path=n.text(raw.path), active=bool(raw.active),
                                        precompiled=bool(raw.precompiled), rule_count=raw.rule_count,
                                        errors=_lines(raw.errors), warnings=_lines(raw.warnings)))
        return Rules(identifier=n.text(_lib.assay_rules_id(handle)), rulesets=tuple(rulesets))
    finally:
        _lib.assay_rules_free(handle)
