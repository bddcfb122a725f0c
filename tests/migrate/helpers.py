"""Hand-built IR tables and a throwaway Alembic environment for migration tests.

The builders follow the resolver's naming (`pk_<table>`, `fk_<table>_<cols>_<ref_table>`,
`uq_/ix_<table>_<cols>`, `ck_<table>_<column>_<rule>`); the Alembic environment declares the
same naming convention as a generated project, so a name that is not wrapped in `op.f()` would
come out doubly prefixed and the drift check would see it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from scaffold.ir.model import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    PrimaryKey,
    Table,
    UniqueConstraint,
)
from scaffold.migrate import MigrationPlan, plan_migration, tables_to_metadata

# What a generated project's Base declares (DESIGN §3: pk_/fk_/uq_/ix_/ck_).
NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}

SA_TYPES = {
    "text": "sa.Text()",
    "int": "sa.Integer()",
    "bigint": "sa.BigInteger()",
    "float": "sa.Float()",
    "bool": "sa.Boolean()",
    "date": "sa.Date()",
    "datetime": "sa.DateTime(timezone=True)",
    "uuid": "sa.Uuid()",
    "enum": "sa.String(64)",
    "json": 'sa.JSON().with_variant(postgresql.JSONB(), "postgresql")',
}
PY_TYPES = {
    "int": "int",
    "bigint": "int",
    "float": "float",
    "bool": "bool",
    "date": "datetime.date",
    "datetime": "datetime.datetime",
    "uuid": "uuid.UUID",
    "json": "dict[str, Any]",
}


def col(
    name: str,
    kind: str = "string",
    *,
    length: int | None = None,
    nullable: bool = False,
    server_default: str | None = None,
    default: Any = None,
    values: Sequence[str] = (),
    precision: int | None = None,
    scale: int | None = None,
    renamed_from: str | None = None,
    role: str = "field",
) -> Column:
    """A spec field's column."""
    if kind == "string":
        length = length or 255
        sa_type = f"sa.String({length})"
    elif kind == "decimal":
        sa_type = f"sa.Numeric({precision}, {scale})"
    else:
        sa_type = SA_TYPES[kind]
    if kind == "enum":
        length = 64
    return Column(
        name=name,
        kind=kind,
        role=role,
        sa_type=sa_type,
        py_type=PY_TYPES.get(kind, "str"),
        nullable=nullable,
        has_default=server_default is not None,
        default=default,
        server_default=server_default,
        length=length,
        precision=precision,
        scale=scale,
        enum_values=tuple(values),
        field=name if role == "field" else None,
        renamed_from=renamed_from,
    )


def ref(
    name: str, to: str, *, nullable: bool = False, on_delete: str = "CASCADE"
) -> dict[str, Any]:
    """A `ref` field: its column, foreign key and index (passed to `table(..., refs=[...])`)."""
    return {"column": f"{name}_id", "to": to, "nullable": nullable, "on_delete": on_delete}


def table(
    name: str,
    *columns: Column,
    refs: Iterable[dict[str, Any]] = (),
    uniques: Iterable[Sequence[str]] = (),
    checks: Iterable[tuple[str, str, str]] = (),  # (column, rule, sqltext)
    indexes: Iterable[Sequence[str]] = (),
    partial: Iterable[tuple[Sequence[str], str]] = (),  # (columns, where)
    renamed_from: str | None = None,
) -> Table:
    """A table with the default `id` key; enum columns get their CHECK."""
    cols = [Column("id", "uuid", "pk", "sa.Uuid()", "uuid.UUID", False, primary_key=True)]
    cols += columns
    fks: list[ForeignKey] = []
    ixs: list[Index] = []
    for r in refs:
        c = r["column"]
        cols.append(Column(c, "ref", "ref", "sa.Uuid()", "uuid.UUID", r["nullable"], field=c[:-3]))
        fks.append(ForeignKey(f"fk_{name}_{c}_{r['to']}", (c,), r["to"], ("id",), r["on_delete"]))
        ixs.append(Index(f"ix_{name}_{c}", (c,), purpose="fk"))
    cks = [
        CheckConstraint(
            f"ck_{name}_{c.name}_enum",
            f"{c.name} IN ({', '.join(repr(v) for v in c.enum_values)})",
            c.name,
        )
        for c in cols
        if c.kind == "enum"
    ]
    cks += [CheckConstraint(f"ck_{name}_{c}_{rule}", sql, c) for c, rule, sql in checks]
    ixs += [Index(f"ix_{name}_{'_'.join(ix)}", tuple(ix)) for ix in indexes]
    ixs += [
        Index(f"ix_{name}_{'_'.join(ix)}_partial", tuple(ix), where=where) for ix, where in partial
    ]
    return Table(
        name=name,
        entity=name.rstrip("s"),
        columns=tuple(cols),
        primary_key=PrimaryKey(f"pk_{name}", ("id",)),
        foreign_keys=tuple(fks),
        uniques=tuple(UniqueConstraint(f"uq_{name}_{'_'.join(u)}", tuple(u)) for u in uniques),
        checks=tuple(cks),
        indexes=tuple(ixs),
        renamed_from=renamed_from,
        spec_path=f"specs/{name.rstrip('s')}.yaml",
    )


def rid(n: int) -> uuid.UUID:
    """A readable, deterministic row id."""
    return uuid.UUID(int=n)


ENV_PY = """
import sqlalchemy as sa
from alembic import context

config = context.config
engine = sa.create_engine(config.attributes["url"], poolclass=sa.pool.NullPool)


@sa.event.listens_for(engine, "connect")
def _sqlite_foreign_keys_on(dbapi_connection, _record):
    # as the app's engine does: SQLite enforces foreign keys only when asked
    if engine.dialect.name == "sqlite":
        dbapi_connection.execute("PRAGMA foreign_keys=ON")


if engine.dialect.name == "sqlite":
    # As a generated project's env.py does. The sqlite3 driver opens a transaction only before
    # INSERT/UPDATE/DELETE, so a batch rebuild's CREATE, DROP and ALTER would each commit on
    # their own; SQLAlchemy's recipe: switch that off and emit BEGIN ourselves.

    @sa.event.listens_for(engine, "connect")
    def _sqlite_migration_connection(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        # Batch mode rebuilds a table (copy, DROP, rename); with foreign keys on, the DROP
        # would cascade into the tables that reference it. The pragma does nothing inside a
        # transaction: here, before the first BEGIN.
        dbapi_connection.execute("PRAGMA foreign_keys=OFF")

    @sa.event.listens_for(engine, "begin")
    def _sqlite_begin(connection):
        connection.exec_driver_sql("BEGIN")


with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=config.attributes["target_metadata"],
        render_as_batch=True,
        compare_type=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
"""


class AlembicProject:
    """A scratch project: `migrations/` with scaffold's revisions, a snapshot, one database."""

    def __init__(self, root: Path, url: str) -> None:
        self.root = root
        self.url = url
        self.versions = root / "migrations" / "versions"
        self.versions.mkdir(parents=True)
        (root / "migrations" / "env.py").write_text(ENV_PY, encoding="utf-8")
        self.snapshot: str | None = None
        self.tables: tuple[Table, ...] = ()
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)

    def metadata(self, tables: Sequence[Table]) -> sa.MetaData:
        return tables_to_metadata(tables, sa.MetaData(naming_convention=NAMING_CONVENTION))

    def config(self) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(self.root / "migrations"))
        cfg.attributes["url"] = self.url
        cfg.attributes["target_metadata"] = self.metadata(self.tables)
        return cfg

    def plan(
        self, tables: Sequence[Table], *, allow_data_loss: bool = False
    ) -> MigrationPlan | None:
        return plan_migration(
            self.snapshot,
            tuple(tables),
            existing_revisions=sorted(p.name for p in self.versions.glob("*.py")),
            allow_data_loss=allow_data_loss,
        )

    def generate(self, tables: Sequence[Table], *, allow_data_loss: bool = False) -> MigrationPlan:
        """Plan and write the next revision, as `scaffold generate` would."""
        plan = self.plan(tables, allow_data_loss=allow_data_loss)
        assert plan is not None, "expected a migration"
        (self.root / plan.path).write_text(plan.content, encoding="utf-8")
        self.snapshot = plan.snapshot
        self.tables = tuple(tables)
        return plan

    def upgrade(self, target: str = "head") -> None:
        command.upgrade(self.config(), target)

    def downgrade(self, target: str = "-1") -> None:
        command.downgrade(self.config(), target)

    def drift(self, tables: Sequence[Table]) -> list[Any]:
        """What `alembic check` would report between `tables` and the database."""
        with self.engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "target_metadata": self.metadata(tables)}
            )
            return list(compare_metadata(ctx, self.metadata(tables)))

    def shape_drift(self, tables: Sequence[Table]) -> list[str]:
        """What `alembic check` does not compare: CHECK names, partial predicates, ON DELETE."""
        insp = sa.inspect(self.engine)
        problems: list[str] = []
        for t in tables:
            checks = {c["name"] for c in insp.get_check_constraints(t.name)}
            if checks != {c.name for c in t.checks}:
                problems.append(f"{t.name} checks: {sorted(checks)}")
            uniques = {u["name"] for u in insp.get_unique_constraints(t.name)}
            if uniques != {u.name for u in t.uniques}:
                problems.append(f"{t.name} uniques: {sorted(uniques)}")
            indexes = {
                ix["name"]: bool({"sqlite_where", "postgresql_where"} & set(ix["dialect_options"]))
                for ix in insp.get_indexes(t.name)
                if not ix.get("duplicates_constraint")  # PostgreSQL's index behind a UNIQUE
            }
            if indexes != {ix.name: ix.where is not None for ix in t.indexes}:
                problems.append(f"{t.name} indexes (name: partial): {indexes}")
            fks = {
                fk["name"]: (fk["referred_table"], (fk.get("options") or {}).get("ondelete"))
                for fk in insp.get_foreign_keys(t.name)
            }
            if fks != {fk.name: (fk.ref_table, fk.on_delete) for fk in t.foreign_keys}:
                problems.append(f"{t.name} foreign keys: {fks}")
            pk = insp.get_pk_constraint(t.name)
            if pk["name"] != t.primary_key.name and self.engine.dialect.name == "postgresql":
                problems.append(f"{t.name} primary key: {pk['name']}")
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as conn:
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            problems += [f"foreign key broken: {row}" for row in broken]
        return problems

    def insert(self, tables: Sequence[Table], rows: dict[str, list[dict[str, Any]]]) -> None:
        md = tables_to_metadata(tables)
        with self.engine.begin() as conn:
            for t in tables:  # dependency order, as the tests list them
                if rows.get(t.name):
                    conn.execute(md.tables[t.name].insert(), rows[t.name])

    def select(
        self, tables: Sequence[Table], name: str, columns: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        md = tables_to_metadata(tables)
        t = md.tables[name]
        cols = [t.c[c] for c in columns] if columns is not None else list(t.c)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(*cols).order_by(t.c.id))]

    def table_names(self) -> set[str]:
        return set(sa.inspect(self.engine).get_table_names()) - {"alembic_version"}

    def dispose(self) -> None:
        self.engine.dispose()
