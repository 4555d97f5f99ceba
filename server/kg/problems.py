"""Located problems in the source data: what is wrong, where, and which rule it breaks."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Location:
    file: str
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}" + (f":{self.column}" if self.column else "")


@dataclass(frozen=True)
class Problem:
    location: Location | None
    message: str
    record: str | None = None  # the record's id (or focus node IRI)
    property: str | None = None  # source key or property IRI
    value: str | None = None
    rule: str | None = None  # e.g. the SHACL constraint component or loader rule
    severity: str = "Violation"

    def as_dict(self) -> dict:
        return {
            "file": self.location.file if self.location else None,
            "line": self.location.line if self.location else None,
            "record": self.record,
            "property": self.property,
            "value": self.value,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
        }


@dataclass
class ProblemList:
    items: list[Problem] = field(default_factory=list)

    def add(self, *args, **kwargs) -> None:
        self.items.append(Problem(*args, **kwargs))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)
