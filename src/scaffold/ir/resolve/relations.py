"""Relations: the `many` fields (DESIGN §9.1) — for each, its `Many` and its link table.

A many field `tags: {type: many, to: tag}` of `post` is no column of `posts`: its links are the
rows of the link table `posts_tags` (`post_id`, `tag_id`, `created_at`), which belongs to the
source entity. `many_targets` checks the targets next to the refs; `link_tables` runs once every
entity is built (it needs the target's key and list limits) and adds no ordering between
entities: link tables come after every entity table. A many field with `via: vote` keeps its
links in the rows of the entity `vote` instead and adds no table (via.py checks that entity).
"""

from __future__ import annotations

import dataclasses

from scaffold.ir import naming
from scaffold.ir.columns import timestamp_column
from scaffold.ir.model import Column, Entity, ForeignKey, Index, Many, PrimaryKey, Table
from scaffold.ir.resolve.context import Context, Ent
from scaffold.ir.resolve.refs import find_target, key_copy, pk_columns
from scaffold.ir.resolve.via import via_sides, via_target


def many_targets(ctx: Context, ent: Ent) -> None:
    """Every many field of `ent` points at an entity of these specs."""
    for fname, info in ent.fields.items():
        if info.spec.type == "many" and info.spec.to:
            find_target(ctx, ent, fname, info.spec.to, "many field")
            via_target(ctx, ent, fname)


@dataclasses.dataclass
class _Link:
    """One many field on its way to a `Many` (its `reverse` is settled last)."""

    source: Entity
    ent: Ent
    many: Many
    table: Table | None  # None for `via`: the link entity's own table holds the links


def link_tables(ctx: Context, entities: list[Entity]) -> tuple[list[Entity], tuple[Table, ...]]:
    """The entities with their `many`, and the link tables, in entity order then field order."""
    built = {e.name: e for e in entities}
    tables = {e.table: f"the table of entity `{e.name}`" for e in ctx.ents.values()}
    links: list[_Link] = []
    vias: dict[str, tuple[Entity, str, Entity]] = {}
    for source in entities:
        ent = ctx.ents[source.name]
        for fname, info in ent.fields.items():
            target = built.get(info.spec.to or "") if info.spec.type == "many" else None
            if target is None:
                continue  # not a many field, or its target's problems were reported
            if info.spec.via is None:
                link = _link(ctx, ent, source, fname, target, tables, links)
            elif info.spec.via in built:  # else the link entity's problems were reported
                ends = (source, target, built[info.spec.via])
                link = _via_link(ctx, ent, fname, ends, vias, links)
            else:
                link = None
            if link is not None:
                links.append(link)
    _settle_reverse(ctx, links)
    by_source: dict[str, list[Many]] = {}
    for link in links:
        by_source.setdefault(link.source.name, []).append(link.many)
    out = [
        dataclasses.replace(e, many=tuple(by_source[e.name])) if e.name in by_source else e
        for e in entities
    ]
    return out, tuple(link.table for link in links if link.table is not None)


def _link(
    ctx: Context,
    ent: Ent,
    source: Entity,
    fname: str,
    target: Entity,
    tables: dict[str, str],
    links: list[_Link],
) -> _Link | None:
    loaded = ent.loaded
    spec = ent.fields[fname].spec
    where = loaded.key_at("fields", fname)
    name = f"{source.table.name}_{fname}"
    if not _table_name_ok(ctx, ent, fname, name, tables):
        return None
    tables[name] = f"the link table of many field `{fname}` of `{source.name}`"
    single = naming.singular(fname)
    source_keys = pk_columns(ent)
    target_keys = pk_columns(ctx.ents[target.name])
    if not source_keys or not target_keys:
        return None  # a key field's own problem was reported
    # a renamed entity or field renames the link columns too: `task_id` → `job_id`
    old_single = naming.singular(spec.renamed_from) if spec.renamed_from else None
    columns: list[Column] = []
    for prefix, old_prefix, keys in (
        (source.name, ent.spec.renamed_from, source_keys),
        (single, old_single, target_keys),
    ):
        for key in keys:
            cname = f"{prefix}_{key.name}"
            if len(cname) > naming.MAX_IDENT:
                ctx.err(
                    where,
                    f"column `{cname}` of the link table `{name}` of many field `{fname}` is "
                    f"longer than {naming.MAX_IDENT} characters",
                    "write a shorter field name",
                )
                return None
            renamed = f"{old_prefix}_{key.name}" if old_prefix and old_prefix != prefix else None
            copy = key_copy(cname, key, nullable=False, field=fname, renamed_from=renamed)
            columns.append(dataclasses.replace(copy, primary_key=True))
    source_cols = tuple(c.name for c in columns[: len(source_keys)])
    target_cols = tuple(c.name for c in columns[len(source_keys) :])
    columns.append(timestamp_column("created_at"))
    seen: set[str] = set()
    for col in columns:
        if col.name in seen:
            ctx.err(
                where,
                f"the link table `{name}` of many field `{fname}` would have two columns named "
                f"`{col.name}`: its source columns are named after the entity `{source.name}`, "
                f"its target columns after the field's singular `{single}`",
                f"rename the field, e.g. `linked_{fname}`, whose link columns are "
                f"`{source_cols[0]}` and `linked_{single}_{target_keys[0].name}`",
            )
            return None
        seen.add(col.name)
    old_table = None
    if spec.renamed_from or ent.spec.renamed_from:
        old_source = source.table.renamed_from or source.table.name
        old_table = f"{old_source}_{spec.renamed_from or fname}"
    table = Table(
        name=name,
        entity=source.name,
        columns=tuple(columns),
        primary_key=PrimaryKey(naming.pk_name(name), source_cols + target_cols),
        foreign_keys=(
            _cascade(name, source_cols, source),
            _cascade(name, target_cols, target),
        ),
        indexes=(
            Index(
                naming.ix_name(name, target_cols + source_cols),
                target_cols + source_cols,
                purpose="fk",
            ),
        ),
        renamed_from=old_table if old_table != name else None,
        spec_path=source.spec_path,
    )
    many = Many(
        field=fname,
        target=target.name,
        target_class=target.class_name,
        target_table=target.table.name,
        target_module=target.module,
        target_plural=target.plural,
        link_table=name,
        source_columns=source_cols,
        source_key=source.primary_key,
        target_columns=target_cols,
        target_key=target.primary_key,
        target_py_types=tuple(k.py_type for k in target_keys),
        ids_key=f"{single}_ids",
        id_key=target_cols[0],
        reverse=source.plural,
        max_links=target.listing.max_limit,
        filter=fname in ent.spec.listing.filters,
        renamed_from=spec.renamed_from,
    )
    if not _exchanged_names_ok(ctx, ent, (source, target), many, links):
        return None
    return _Link(source=source, ent=ent, many=many, table=table)


def _via_link(
    ctx: Context,
    ent: Ent,
    fname: str,
    ends: tuple[Entity, Entity, Entity],
    vias: dict[str, tuple[Entity, str, Entity]],
    links: list[_Link],
) -> _Link | None:
    """A many field with `via`: its links are the rows of the link entity, whose refs to the
    source and to the target are the link columns; the field adds no table."""
    sides = via_sides(ctx, ent, fname, ends, vias)
    if sides is None:
        return None
    source, target, via = ends
    to_source, to_target = sides
    single = naming.singular(fname)
    many = Many(
        field=fname,
        target=target.name,
        target_class=target.class_name,
        target_table=target.table.name,
        target_module=target.module,
        target_plural=target.plural,
        link_table=via.table.name,
        source_columns=to_source.columns,
        source_key=to_source.target_columns,
        target_columns=to_target.columns,
        target_key=to_target.target_columns,
        target_py_types=to_target.py_types,
        ids_key=f"{single}_ids",
        # named as for a link table (`voted_message_id`), whatever the link entity's column is
        id_key=f"{single}_{target.primary_key[0]}",
        reverse=source.plural,
        max_links=target.listing.max_limit,
        filter=fname in ent.spec.listing.filters,
        via=via.name,
        via_class=via.class_name,
        via_module=via.module,
    )
    if not _exchanged_names_ok(ctx, ent, (source, target), many, links):
        return None
    return _Link(source=source, ent=ent, many=many, table=None)


def _exchanged_names_ok(
    ctx: Context, ent: Ent, ends: tuple[Entity, Entity], many: Many, links: list[_Link]
) -> bool:
    """`tag_ids` and, for a filter, `tag_id` are free among the names the source exchanges;
    a filter needs a target with a one-column key. `ends`: the source and the target."""
    source, target = ends
    if not _ids_key_ok(ctx, ent, source, many.field, many.ids_key, links):
        return False
    fname = many.field
    filters = ent.spec.listing.filters
    if many.filter and len(many.target_columns) > 1:
        ctx.err(
            ent.loaded.at("list", "filters", filters.index(fname)),
            f"filter `{fname}` needs a target with a one-column key; `{target.name}` is keyed by"
            f" {', '.join(f'`{k}`' for k in target.primary_key)}",
            f"remove `{fname}` from `list.filters` (`GET {target.route}/<key>/{source.plural}`"
            " lists the rows linked to one of them)",
        )
        return False
    if many.filter and many.id_key in {f.name for f in source.listing.filters}:
        ctx.err(
            ent.loaded.at("list", "filters", filters.index(fname)),
            f"filter `{fname}` would be the query parameter `{many.id_key}`, which is also the "
            f"filter of another field of `{source.name}`",
            f"remove `{fname}` or the other field's filter from `list.filters`",
        )
        return False
    return True


def _cascade(table: str, columns: tuple[str, ...], to: Entity) -> ForeignKey:
    return ForeignKey(
        name=naming.fk_name(table, columns, to.table.name),
        columns=columns,
        ref_table=to.table.name,
        ref_columns=to.primary_key,
        on_delete="CASCADE",
    )


def _table_name_ok(ctx: Context, ent: Ent, fname: str, name: str, tables: dict[str, str]) -> bool:
    where = ent.loaded.key_at("fields", fname)
    what = f"the link table `{name}` of many field `{fname}`"
    shorter = f"write a shorter field name, or set a shorter `table:` for entity `{ent.name}`"
    if len(name) > naming.MAX_IDENT:
        ctx.err(where, f"{what} is longer than {naming.MAX_IDENT} characters", shorter)
        return False
    if name in naming.SQL_RESERVED:
        ctx.err(where, f"{what} is an SQL reserved word", "rename the field")
        return False
    if name == "alembic_version" or name.startswith(("pg_", "sqlite_")):
        ctx.err(
            where,
            f"{what} is a name reserved by the database or Alembic",
            f"rename the field, or set `table:` for entity `{ent.name}`",
        )
        return False
    if name in tables:
        ctx.err(
            where,
            f"{what} is also {tables[name]}",
            "rename the field, or set `table:` on one of the entities",
        )
        return False
    return True


def _ids_key_ok(
    ctx: Context, ent: Ent, source: Entity, fname: str, ids_key: str, links: list[_Link]
) -> bool:
    """`tag_ids` is exchanged next to the fields of the source: it must be no other name."""
    other = next(
        (
            f"the ids of many field `{link.many.field}`"
            for link in links
            if link.source.name == source.name and link.many.ids_key == ids_key
        ),
        None,
    )
    if other is None and ids_key in ent.spec.fields:
        other = f"the field `{ids_key}`"
    if other is None and any(c.name == ids_key for c in source.table.columns):
        other = f"a column of `{source.name}`"
    if other is None:
        return True
    ctx.err(
        ent.loaded.key_at("fields", fname),
        f"many field `{fname}` is exchanged as `{ids_key}`, which is also {other}",
        "rename one of them",
    )
    return False


def _settle_reverse(ctx: Context, links: list[_Link]) -> None:
    """The reverse listing's segment, `GET /<target plural>/{id}/<reverse>`: the source's plural,
    or `<source plural>_by_<field>` for every link where that would be a many field of the
    target or the reverse segment of another link to the same target."""
    by_target: dict[str, list[_Link]] = {}
    for link in links:
        by_target.setdefault(link.many.target, []).append(link)
    for target, group in by_target.items():
        fields = {n for n, i in ctx.ents[target].fields.items() if i.spec.type == "many"}
        plain = [link.many.reverse for link in group]
        for link in group:
            if link.many.reverse in fields or plain.count(link.many.reverse) > 1:
                segment = f"{link.source.plural}_by_{link.many.field}"
                link.many = dataclasses.replace(link.many, reverse=segment)
        final = [link.many.reverse for link in group]
        for link in group:
            segment = link.many.reverse
            if segment in fields or final.count(segment) > 1:
                ctx.err(
                    link.ent.loaded.key_at("fields", link.many.field),
                    f"the reverse listing of many field `{link.many.field}` of "
                    f"`{link.source.name}`, GET /{link.many.target_plural}/{{id}}/{segment}, "
                    f"is also a listing of `{target}`",
                    "rename the field",
                )
