"""What an audited entity's actions record in the audit log (DESIGN §9.4).

The actions log the values the API exchanges for the entity's own fields (a ref by its columns,
`visibility` of a per-row-visible entity): not the key, owner, timestamps or version, which
the event's own columns or the row itself tell. A field the API never returns (a secret, a
password) is logged as `"***"`, never its value.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scaffold.render.pysource import EntityView


@dataclass(frozen=True)
class AuditView:
    view: EntityView

    @cached_property
    def columns(self) -> list[str]:
        """The columns each event records, in table order."""
        e = self.view.e
        fields = {c for f in e.fields for c in f.columns}
        return [c.name for c in e.table.columns if c.name in fields or c.role == "visibility"]

    @cached_property
    def masked(self) -> list[str]:
        """The recorded columns whose values are logged as `"***"`."""
        e = self.view.e
        hidden = {c for f in e.fields if f.secret or not f.in_read for c in f.columns}
        return [c for c in self.columns if c in hidden]

    def key(self, row: str) -> str:
        """`[row.id]`: the row's key values, for `audit_log.key_text`."""
        return "[" + ", ".join(f"{row}.{c}" for c in self.view.e.primary_key) + "]"
