"""One entity: its columns in table order (id, owner, fields, visibility, timestamps, soft delete,
version), assembled with the keys, listing and indexes of the other passes into an `Entity`."""

from __future__ import annotations

import dataclasses
from typing import Any

from scaffold.ir import naming
from scaffold.ir.columns import ENUM_LENGTH, id_column, sa_text, timestamp_column
from scaffold.ir.model import (
    CheckConstraint,
    Column,
    Entity,
    Listing,
    PrimaryKey,
    Table,
)
from scaffold.ir.resolve import indexing, keys, stats
from scaffold.ir.resolve.context import Context, Ent


def build_entity(ctx: Context, ent: Ent) -> Entity | None:
    spec = ent.spec
    loaded = ent.loaded
    table = ent.table
    owner = ent.owner
    if not ent.ok or owner is None:
        return None
    columns: list[Column] = [id_column(pk="id" in ent.pk)]
    if owner.kind == "user":
        columns.append(
            Column(
                name="user_id",
                kind="uuid",
                role="owner",
                sa_type="sa.Uuid()",
                py_type="uuid.UUID",
                nullable=False,
            )
        )
    checks: list[CheckConstraint] = []
    for info in ent.fields.values():
        for col in info.columns:
            columns.append(replace_pk(col, col.name in ent.pk))
        checks += info.checks
    if spec.visibility == "per_row":
        columns.append(
            Column(
                name="visibility",
                kind="enum",
                role="visibility",
                sa_type=f"sa.String({ENUM_LENGTH})",
                py_type="str",
                nullable=False,
                has_default=True,
                default="private",
                server_default=sa_text("'private'"),
                length=ENUM_LENGTH,
                enum_values=("private", "public"),
            )
        )
        checks.append(
            CheckConstraint(
                naming.ck_name(table, "visibility", "enum"),
                "visibility IN ('private', 'public')",
                "visibility",
            )
        )
    if spec.timestamps:
        columns.append(timestamp_column("created_at", pk="created_at" in ent.pk))
        columns.append(timestamp_column("updated_at"))
    if spec.soft_delete:
        columns.append(
            Column(
                name="deleted_at",
                kind="datetime",
                role="deleted_at",
                sa_type="sa.DateTime(timezone=True)",
                py_type="datetime.datetime",
                nullable=True,
            )
        )
    if spec.versioned:
        columns.append(
            Column(
                name="version",
                kind="int",
                role="version",
                sa_type="sa.Integer()",
                py_type="int",
                nullable=False,
                has_default=True,
                default=1,
                server_default=sa_text("1"),
            )
        )
    by_name: dict[str, Column] = {}
    for col in columns:
        if col.name in by_name:
            where = loaded.key_at("fields", col.field) if col.field else loaded.at("entity")
            ctx.err(
                where,
                f"column `{col.name}` of field `{col.field}` is already a column of "
                f"`{ent.name}`",
                "rename the field",
            )
            return None
        by_name[col.name] = col
    ent.columns = by_name
    pk = PrimaryKey(naming.pk_name(table), tuple(ent.pk))

    fks = tuple(i.fk for i in ent.fields.values() if i.fk is not None)
    uniques = keys.uniques(ctx, ent, pk)
    listing_order, listing_rest = keys.listing(ctx, ent, uniques, pk)
    stat_list, stat_indexes = stats.stats(ctx, ent)
    indexes = indexing.indexes(ctx, ent, pk, uniques, listing_order, stat_indexes)
    if len(stat_list) != len(spec.stats):
        return None
    if indexes is None or listing_order is None or listing_rest is None:
        return None
    keyset_columns, filters, default_limit, max_limit = listing_rest
    keyset_name = keys.keyset_name(ent, pk, uniques, indexes, keyset_columns)
    fields = tuple(i.ir for i in ent.fields.values() if i.ir is not None)
    fields = tuple(
        _replace(f, in_update=False) if f.name in ent.pk and f.in_update else f for f in fields
    )
    table_ir = Table(
        name=table,
        entity=ent.name,
        columns=tuple(columns),
        primary_key=pk,
        foreign_keys=fks,
        uniques=uniques,
        checks=tuple(checks),
        indexes=indexes,
        renamed_from=(naming.plural(spec.renamed_from) if spec.renamed_from else None),
        spec_path=loaded.path,
    )
    return Entity(
        name=ent.name,
        plural=ent.plural,
        class_name=ent.class_name,
        plural_class=naming.class_name(ent.plural),
        table=table_ir,
        module=ent.plural,
        route=f"/{ent.plural}",
        spec_path=loaded.path,
        description=spec.description,
        owner=owner,
        visibility=spec.visibility,
        timestamps=spec.timestamps,
        soft_delete=spec.soft_delete,
        versioned=spec.versioned,
        api=spec.api,
        primary_key=tuple(ent.pk),
        default_pk=ent.pk == ["id"],
        fields=fields,
        refs=tuple(i.ref for i in ent.fields.values() if i.ref is not None),
        listing=Listing(
            order=listing_order,
            default_limit=default_limit,
            max_limit=max_limit,
            filters=filters,
            keyset_index=keyset_name,
        ),
        renamed_from=spec.renamed_from,
        stats=stat_list,
        stats_cache_seconds=spec.stats_cache_seconds,
        rate_limit_read=spec.rate_limit.read,
        rate_limit_write=spec.rate_limit.write,
        audit=spec.audit,
    )


def replace_pk(col: Column, pk: bool) -> Column:
    return _replace(col, primary_key=True) if pk else col


def _replace(node: Any, **changes: Any) -> Any:
    return dataclasses.replace(node, **changes)
