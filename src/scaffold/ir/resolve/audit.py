"""The audit log (DESIGN §9.4): the `audit_events` table, when some entity has `audit: true`.

Its shape is a contract (outside clients read the route built on it), so it is fixed here, not
derived from a spec: `id`, `at`, `actor_id`, `action`, `entity`, `row_id` (the row's key as
text), `changes` (JSON), with an index for each way the route lists them (newest first, by
entity and row, by actor). It has no foreign key: rows of every entity are logged, a valid token
is trusted without a users row, and the log outlives the rows it tells about.
"""

from __future__ import annotations

from collections.abc import Sequence

from scaffold.ir import naming
from scaffold.ir.columns import id_column, timestamp_column
from scaffold.ir.model import CheckConstraint, Column, Entity, Index, PrimaryKey, Table

AUDIT_TABLE = "audit_events"
AUDIT_ENTITY = "audit_event"
ACTIONS = ("create", "update", "delete", "attach", "detach")
ENTITY_LENGTH = 63  # an entity name is a SQL identifier


def audit_table(entities: Sequence[Entity]) -> Table | None:
    """The `audit_events` table, or None when no entity is audited."""
    if not any(e.audit for e in entities):
        return None
    t = AUDIT_TABLE
    columns = (
        id_column(),
        timestamp_column("at"),
        Column(
            name="actor_id",
            kind="uuid",
            role="audit",
            sa_type="sa.Uuid()",
            py_type="uuid.UUID",
            nullable=False,
        ),
        Column(
            name="action",
            kind="enum",
            role="audit",
            sa_type="sa.String(6)",
            py_type="str",
            nullable=False,
            length=6,
            enum_values=ACTIONS,
        ),
        Column(
            name="entity",
            kind="string",
            role="audit",
            sa_type=f"sa.String({ENTITY_LENGTH})",
            py_type="str",
            nullable=False,
            length=ENTITY_LENGTH,
        ),
        Column(
            name="row_id",
            kind="text",
            role="audit",
            sa_type="sa.Text()",
            py_type="str",
            nullable=False,
        ),
        Column(
            name="changes",
            kind="json",
            role="audit",
            sa_type='sa.JSON().with_variant(postgresql.JSONB(), "postgresql")',
            py_type="Any",
            nullable=False,
        ),
    )
    listed = ", ".join(f"'{a}'" for a in ACTIONS)
    return Table(
        name=t,
        entity=AUDIT_ENTITY,
        columns=columns,
        primary_key=PrimaryKey(naming.pk_name(t), ("id",)),
        checks=(
            CheckConstraint(naming.ck_name(t, "action", "enum"), f"action IN ({listed})", "action"),
            CheckConstraint(
                naming.ck_name(t, "entity", "max_length"),
                f"length(entity) <= {ENTITY_LENGTH}",
                "entity",
            ),
        ),
        indexes=(
            Index(naming.ix_name(t, ("at", "id")), ("at", "id"), purpose="keyset"),
            Index(
                naming.ix_name(t, ("entity", "row_id", "at", "id")),
                ("entity", "row_id", "at", "id"),
                purpose="keyset",
            ),
            Index(
                naming.ix_name(t, ("actor_id", "at", "id")),
                ("actor_id", "at", "id"),
                purpose="keyset",
            ),
        ),
    )
