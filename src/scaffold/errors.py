"""The project's own errors: stages raise them, the CLI maps them to messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Location:
    """A place in a spec file: 1-based line and column, as editors and compilers show them."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in the specs: where, what, and (when we can tell) what to write instead."""

    location: Location
    message: str
    hint: str | None = None

    def format(self) -> str:
        text = f"{self.location}: error: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class ScaffoldError(Exception):
    """Base of every error the CLI reports without a traceback.

    `exit_code` follows DESIGN §6: 1 conflicts or out of date, 2 bad input.
    """

    exit_code: int = 2

    def report(self) -> list[str]:
        return [f"error: {self}"]


@dataclass
class SpecErrors(ScaffoldError):
    """All problems found in one run, collected before anything is reported (like a compiler)."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(f"{len(self.diagnostics)} error(s) in specs")

    def __str__(self) -> str:
        return "\n".join(self.report())

    def report(self) -> list[str]:
        return [d.format() for d in sorted(self.diagnostics, key=lambda d: d.location)]


class UsageError(ScaffoldError):
    """Bad command-line input (exit 2)."""


class OutOfDate(ScaffoldError):
    """`scaffold check` found something stale, or a merge left conflicts (exit 1)."""

    exit_code = 1


class DataLossRefused(ScaffoldError):
    """A migration would drop data and `--allow-data-loss` was not given (exit 2)."""

    def __init__(self, risks: list[str]) -> None:
        self.risks = risks
        super().__init__("the spec change would lose data")

    def report(self) -> list[str]:
        lines = ["error: this change would lose data; nothing was written:"]
        lines += [f"  - {risk}" for risk in self.risks]
        lines.append(
            "Re-run with --allow-data-loss if that is what you want, or use `renamed_from:` "
            "for a rename, or give the new column a `default:` to backfill existing rows."
        )
        return lines
