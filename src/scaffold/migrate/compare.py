"""Compare two snapshots of the database layer of the IR and list the operations between them.

The order is fixed, so a revision reads the same every time and every step finds what it needs:

1. on renamed tables, and for foreign keys to renamed tables: drop the foreign keys, indexes,
   uniques and checks that go away or change (other tables do this at the start of step 4, in
   the same batch as the rest of their changes);
2. rename tables (`renamed_from`);
3. create new tables, referenced tables first;
4. on tables that stay, referenced tables first: rename, add, alter and drop columns, then add
   checks, uniques, indexes and foreign keys;
5. drop tables, referencing tables first.

The downgrade is the same list reversed, each op reversed. Renames come only from
`renamed_from:`; a column that vanishes while another appears is a drop and an add.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from scaffold.errors import ScaffoldError
from scaffold.ir.model import Column, ForeignKey, Index, Table, UniqueConstraint
from scaffold.migrate.ops import (
    AddCheck,
    AddColumn,
    AddForeignKey,
    AddUnique,
    AlterColumn,
    CreateIndex,
    CreateTable,
    DropCheck,
    DropColumn,
    DropForeignKey,
    DropIndex,
    DropTable,
    DropUnique,
    Op,
    RenameColumn,
    RenamePrimaryKey,
    RenameTable,
)

# Column kinds stored as `String(n)`: a longer length, or `Text`, holds every value they hold.
_STRINGY = frozenset({"string", "email", "url", "password", "enum"})
_WIDER_NUMBERS = frozenset({("int", "bigint"), ("int", "float")})


@dataclass
class Diff:
    """The operations from one snapshot to the next, and what they could lose."""

    ops: list[Op] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Pair:
    old: Table
    new: Table
    columns: dict[str, str]  # old column name -> new column name, for kept and renamed columns


def compare(old: Sequence[Table], new: Sequence[Table]) -> list[Op]:
    """The operations that turn the `old` tables into the `new` ones (see the module doc)."""
    return diff(old, new).ops


def diff(old: Sequence[Table], new: Sequence[Table]) -> Diff:
    """`compare`, plus a sentence for every operation that could lose data."""
    old_by = {t.name: t for t in old}
    new_by = {t.name: t for t in new}
    table_renames: dict[str, str] = {}  # old name -> new name
    for t in new:
        src = t.renamed_from
        fresh = t.name not in old_by and src not in table_renames
        if fresh and src and src in old_by and src not in new_by:
            table_renames[src] = t.name
    pairs: dict[str, _Pair] = {}  # by new name
    for t in new:
        src_name = t.name if t.name in old_by else _key_for(table_renames, t.name)
        if src_name is not None:
            pairs[t.name] = _Pair(old_by[src_name], t, _column_map(old_by[src_name], t))
    kept_old = {p.old.name for p in pairs.values()}
    created = [t for t in _dependency_order(new) if t.name not in pairs]
    dropped = [t for t in reversed(_dependency_order(old)) if t.name not in kept_old]
    order = [pairs[t.name] for t in _dependency_order(new) if t.name in pairs]
    col_maps = {p.old.name: p.columns for p in pairs.values()}

    out = Diff()
    early: list[Op] = []  # 1.
    late: dict[str, list[Op]] = {}  # drops that can wait for the table's own batch in 4.
    for p in order:
        for drop in _drop_constraints(p, table_renames, col_maps):
            if _must_go_first(drop, p, table_renames):
                early.append(drop)
            else:
                late.setdefault(p.new.name, []).append(drop)
    out.ops += early
    for p in order:  # 2. renames
        if p.old.name != p.new.name:
            out.ops.append(RenameTable(p.old.name, p.new.name))
    for p in order:
        if p.old.primary_key.columns != tuple(
            _key_for(p.columns, c) or "" for c in p.new.primary_key.columns
        ):
            raise ScaffoldError(
                f"table {p.new.name}: changing the primary key of an existing table is not "
                "supported by generated migrations; write that revision by hand"
            )
        if p.old.primary_key.name != p.new.primary_key.name:
            out.ops.append(
                RenamePrimaryKey(p.new.name, p.old.primary_key.name, p.new.primary_key.name)
            )
    for t in created:  # 3.
        out.ops.append(CreateTable(t.name, t))
    for p in order:  # 4.
        out.ops += late.get(p.new.name, [])
        _alter_table(p, table_renames, col_maps, out)
    for t in dropped:  # 5.
        out.ops.append(DropTable(t.name, t))
        field = _link_field(t)
        if field is None:
            out.risks.append(
                f"table {t.name}: dropping it deletes all its rows. If the entity was renamed, "
                f"set `renamed_from: {t.entity}` on the entity that replaces it"
            )
        else:
            out.risks.append(
                f"table {t.name}: dropping it deletes all its rows (the links of many field "
                f"`{field}` of `{t.entity}`). If the field was renamed, set "
                f"`renamed_from: {field}` on the field that replaces it"
            )
    return out


def _link_field(t: Table) -> str | None:
    """The many field whose link table `t` is, or None for an entity's table: a link table's
    key is its link columns alone (an entity's key always holds `id`)."""
    roles = {c.name: (c.role, c.field) for c in t.columns}
    keys = [roles.get(name, ("", None)) for name in t.primary_key.columns]
    if keys and all(role == "ref" for role, _ in keys):
        return keys[0][1]
    return None


def _key_for(mapping: dict[str, str], value: str) -> str | None:
    for k, v in mapping.items():
        if v == value:
            return k
    return None


def _column_map(old: Table, new: Table) -> dict[str, str]:
    old_names = {c.name for c in old.columns}
    new_names = {c.name for c in new.columns}
    mapping = {c.name: c.name for c in new.columns if c.name in old_names}
    for c in new.columns:
        src = c.renamed_from
        fresh = c.name not in old_names and src not in mapping
        if fresh and src and src in old_names and src not in new_names:
            mapping[src] = c.name
    return mapping


def _dependency_order(tables: Iterable[Table]) -> list[Table]:
    """Referenced tables before the tables that reference them; ties by name."""
    by_name = {t.name: t for t in tables}
    done: dict[str, Table] = {}
    visiting: set[str] = set()

    def visit(t: Table) -> None:
        if t.name in done or t.name in visiting:
            return  # a cycle is broken at the table met first (by name)
        visiting.add(t.name)
        for ref in sorted({fk.ref_table for fk in t.foreign_keys}):
            if ref in by_name and ref != t.name:
                visit(by_name[ref])
        visiting.discard(t.name)
        done[t.name] = t

    for name in sorted(by_name):
        visit(by_name[name])
    return list(done.values())


def _map_cols(cols: tuple[str, ...], mapping: dict[str, str]) -> tuple[str, ...]:
    return tuple(mapping.get(c, c) for c in cols)


def _moved_fk(
    fk: ForeignKey, p: _Pair, table_renames: dict[str, str], col_maps: dict[str, dict[str, str]]
) -> ForeignKey:
    """An old foreign key as it reads after the renames of this revision."""
    return replace(
        fk,
        columns=_map_cols(fk.columns, p.columns),
        ref_table=table_renames.get(fk.ref_table, fk.ref_table),
        ref_columns=_map_cols(fk.ref_columns, col_maps.get(fk.ref_table, {})),
    )


def _moved_index(ix: Index, p: _Pair) -> Index:
    return replace(ix, columns=_map_cols(ix.columns, p.columns))


def _moved_unique(uq: UniqueConstraint, p: _Pair) -> UniqueConstraint:
    return replace(uq, columns=_map_cols(uq.columns, p.columns))


def _must_go_first(drop: Op, p: _Pair, table_renames: dict[str, str]) -> bool:
    """Whether a drop must run before the renames of step 2.

    On a renamed table every drop runs under the old name, before the rename; a foreign key
    pointing at a renamed table goes before that rename. Any other drop joins the first batch of
    its own table in step 4, which saves SQLite a table rebuild and reads as one block.
    """
    if p.old.name != p.new.name:
        return True
    return isinstance(drop, DropForeignKey) and drop.constraint.ref_table in table_renames


def _drop_constraints(
    p: _Pair, table_renames: dict[str, str], col_maps: dict[str, dict[str, str]]
) -> list[Op]:
    t = p.old.name
    out = Diff()
    new_fks = {fk.name: fk for fk in p.new.foreign_keys}
    for fk in sorted(p.old.foreign_keys, key=lambda c: c.name):
        if new_fks.get(fk.name) != _moved_fk(fk, p, table_renames, col_maps):
            out.ops.append(DropForeignKey(t, fk))
    new_ixs = {ix.name: ix for ix in p.new.indexes}
    for ix in sorted(p.old.indexes, key=lambda c: c.name):
        if new_ixs.get(ix.name) != _moved_index(ix, p):
            out.ops.append(DropIndex(t, ix))
    new_uqs = {uq.name: uq for uq in p.new.uniques}
    for uq in sorted(p.old.uniques, key=lambda c: c.name):
        if new_uqs.get(uq.name) != _moved_unique(uq, p):
            out.ops.append(DropUnique(t, uq))
    new_cks = {ck.name: ck.sqltext for ck in p.new.checks}
    for ck in sorted(p.old.checks, key=lambda c: c.name):
        if new_cks.get(ck.name) != ck.sqltext:
            out.ops.append(DropCheck(t, ck))
    return out.ops


def _alter_table(
    p: _Pair, table_renames: dict[str, str], col_maps: dict[str, dict[str, str]], out: Diff
) -> None:
    t = p.new.name
    old_cols = {c.name: c for c in p.old.columns}
    for old_name, new_name in sorted(p.columns.items(), key=lambda kv: kv[1]):
        if old_name != new_name:
            out.ops.append(RenameColumn(t, old_cols[old_name], new_name))
    mapped_back = {v: k for k, v in p.columns.items()}
    for c in p.new.columns:
        if c.name not in mapped_back:
            out.ops.append(AddColumn(t, c))
            if not c.nullable and c.server_default is None:
                out.risks.append(
                    f"{t}.{c.name}: a new NOT NULL column without a default cannot be added to "
                    f"a table that has rows; give the field a `default:` to backfill them, or "
                    f"make it optional (`required: false`)"
                )
    for c in p.new.columns:
        if c.name not in mapped_back:
            continue
        before = replace(old_cols[mapped_back[c.name]], name=c.name)
        alter = AlterColumn(t, before, c)
        if alter.type_changed or alter.nullable_changed or alter.default_changed:
            out.ops.append(alter)
            out.risks += _alter_risks(t, alter)
        removed = [v for v in before.enum_values if v not in c.enum_values]
        if before.kind == "enum" and c.kind == "enum" and removed:
            out.risks.append(
                f"{t}.{c.name}: enum value(s) {', '.join(removed)} removed; rows holding them "
                "would fail the new CHECK. Update those rows first (e.g. at the top of the "
                "revision's upgrade(), before its row check)"
            )
    for c in p.old.columns:
        if c.name not in p.columns:
            out.ops.append(DropColumn(t, c))
            out.risks.append(
                f"{t}.{c.name}: dropping the column deletes its values. If the field was "
                f"renamed, add `renamed_from: {c.field or c.name}` to the new field"
            )
    old_fks = {fk.name: _moved_fk(fk, p, table_renames, col_maps) for fk in p.old.foreign_keys}
    old_ixs = {ix.name: _moved_index(ix, p) for ix in p.old.indexes}
    old_uqs = {uq.name: _moved_unique(uq, p) for uq in p.old.uniques}
    old_cks = {ck.name: ck.sqltext for ck in p.old.checks}
    for ck in sorted(p.new.checks, key=lambda c: c.name):
        if old_cks.get(ck.name) != ck.sqltext:
            out.ops.append(AddCheck(t, ck))
    for uq in sorted(p.new.uniques, key=lambda c: c.name):
        if old_uqs.get(uq.name) != uq:
            out.ops.append(AddUnique(t, uq))
    for ix in sorted(p.new.indexes, key=lambda c: c.name):
        if old_ixs.get(ix.name) != ix:
            out.ops.append(CreateIndex(t, ix))
    for fk in sorted(p.new.foreign_keys, key=lambda c: c.name):
        if old_fks.get(fk.name) != fk:
            out.ops.append(AddForeignKey(t, fk))


def _alter_risks(table: str, op: AlterColumn) -> list[str]:
    risks = []
    where = f"{table}.{op.new.name}"
    if op.type_changed and not is_widening(op.old, op.new):
        risks.append(
            f"{where}: type {op.old.sa_type} -> {op.new.sa_type} narrows or changes the type; "
            "existing values may be cut or rejected"
        )
    if op.nullable_changed and not op.new.nullable and op.new.server_default is None:
        risks.append(
            f"{where}: becomes NOT NULL without a default; rows holding NULL would make the "
            "migration fail. Give the field a `default:` to backfill them, or keep it optional"
        )
    return risks


def is_widening(old: Column, new: Column) -> bool:
    """True when every value `old` can hold fits `new` unchanged."""
    if old.kind in _STRINGY and new.kind == "text":
        return True
    if old.kind in _STRINGY and new.kind in _STRINGY:
        return old.length is not None and new.length is not None and new.length >= old.length
    if old.kind == new.kind == "decimal":
        if None in (old.precision, old.scale, new.precision, new.scale):
            return False
        assert old.precision is not None and old.scale is not None
        assert new.precision is not None and new.scale is not None
        return new.scale >= old.scale and new.precision - new.scale >= old.precision - old.scale
    return (old.kind, new.kind) in _WIDER_NUMBERS
