"""What the passes of the resolver share: the entities under construction and the problems.

Each pass (names, fields, refs, ownership, keys, indexing, build, testvalues) is a function of
the `Context` and, mostly, of one `Ent`: it reads and fills the `Ent` records and reports each
problem through `Context.err`. Nothing else is shared between the passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from scaffold.errors import Diagnostic, Location
from scaffold.ir.model import CheckConstraint, Column, Field, ForeignKey, Ownership, Ref
from scaffold.spec.load import LoadedSpec
from scaffold.spec.models import EntitySpec, FieldSpec


@dataclass
class FieldInfo:
    """What the resolver knows about one spec field while it builds the entity."""

    name: str
    spec: FieldSpec
    columns: list[Column] = field(default_factory=list)
    checks: list[CheckConstraint] = field(default_factory=list)
    ir: Field | None = None
    ref: Ref | None = None
    fk: ForeignKey | None = None


@dataclass
class Ent:
    """One entity under construction."""

    loaded: LoadedSpec
    name: str
    plural: str
    table: str
    class_name: str
    ok: bool = True
    fields: dict[str, FieldInfo] = field(default_factory=dict)
    pk: list[str] = field(default_factory=list)
    columns: dict[str, Column] = field(default_factory=dict)  # by column name, final order later
    owner: Ownership | None = None

    @property
    def spec(self) -> EntitySpec:
        return self.loaded.spec


class Context:
    """One run of the resolver: the specs, the entities collected from them, the problems found."""

    def __init__(self, specs: Sequence[LoadedSpec], also_known: frozenset[str] = frozenset()):
        self.specs = list(specs)
        self.also_known = also_known  # entities whose files failed to load
        self.diags: list[Diagnostic] = []
        self.ents: dict[str, Ent] = {}

    def err(self, where: Location, message: str, hint: str | None = None) -> None:
        self.diags.append(Diagnostic(where, message, hint))


def about(subject: str, message: str) -> str:
    """A message about a value, prefixed with the key it belongs to: `columns.py` reports
    `` `lots` is not a whole number ``, the resolver ``default of `quantity`: `lots` is ...``.
    """
    return f"{subject}: {message}"


def fields_hint(ent: Ent) -> str:
    """What to write instead of a name that is no field: the fields there are."""
    names = list(ent.spec.fields)
    if not names:
        return f"`{ent.name}` has no fields yet"
    shown = ", ".join(f"`{n}`" for n in names[:8]) + (", ..." if len(names) > 8 else "")
    return f"fields of `{ent.name}`: {shown}"
