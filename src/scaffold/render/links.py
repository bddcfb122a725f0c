"""Template-ready facts about one `many` field (DESIGN §9.1): its link table, the keys on both
sides, and the names the generated modules use for it.

The source entity owns the links: its model declares the link table, its queries read and write
it, its actions check who may, and its routes serve the linked list, attach, detach and the
reverse listing (`GET /<target plural>/{key}/<reverse>`). The target's queries supply the read
scope, so a reader only ever sees linked rows it may read.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from scaffold.ir.model import Column, Entity, Many, Table
from scaffold.render.literals import column_kind, literal_type, route_type

if TYPE_CHECKING:
    from scaffold.render.pysource import EntityView


class LinkView:
    """One many field of `view`'s entity, as its templates need it."""

    def __init__(self, many: Many, view: EntityView) -> None:
        self.m = many
        self.view = view

    # -- the two sides ----------------------------------------------------------------------

    @cached_property
    def source(self) -> Entity:
        return self.view.e

    @cached_property
    def target(self) -> Entity:
        return self.view.project.schema.entity(self.m.target)

    @cached_property
    def target_view(self) -> EntityView:
        return self.view.project.view(self.target)

    @cached_property
    def is_self(self) -> bool:
        return self.m.target == self.source.name

    @cached_property
    def tq(self) -> str:
        """Prefix of the target's query functions (`tag_queries.`; none for a self-relation)."""
        return "" if self.is_self else f"{self.m.target}_queries."

    @cached_property
    def ta(self) -> str:
        """Prefix of the target's action functions (`tag_actions.`; none for a self-relation)."""
        return "" if self.is_self else f"{self.m.target}_actions."

    @cached_property
    def aq(self) -> str:
        """Prefix of the target's query functions as the source's actions call them."""
        return "queries." if self.is_self else f"{self.m.target}_queries."

    @cached_property
    def target_class(self) -> str:
        return self.m.target_class

    # -- the link table ---------------------------------------------------------------------

    @cached_property
    def table(self) -> Table:
        return self.view.project.schema.link_table(self.m.link_table)

    @cached_property
    def var(self) -> str:
        """The link table's name (`posts_tags`): the module-level `sa.Table` of an implicit
        link, and the table that the model's relationship strings name."""
        return self.m.link_table

    @cached_property
    def is_via(self) -> bool:
        """The links are the rows of an explicit link entity (`via: vote`)."""
        return self.m.via is not None

    @cached_property
    def col_prefix(self) -> str:
        """How Python code names a link column: `posts_tags.c.` or, via an entity, `Vote.`."""
        return f"{self.m.via_class}." if self.is_via else f"{self.var}.c."

    @cached_property
    def via_scope(self) -> str:
        """`, vote_queries.read_scope(actor)`: with a link entity, its rows must be readable
        too (nothing for an implicit link)."""
        if not self.is_via:
            return ""
        prefix = "" if self.m.via == self.source.name else f"{self.m.via}_queries."
        return f", {prefix}read_scope(actor)"

    def via_args(self, source: str, target: str) -> str:
        """`chat_id=source.id, message_id=target.id`: a link entity row's two refs."""
        pairs = [f"{c}={source}.{k}" for c, k in self.source_pairs]
        pairs += [f"{c}={target}.{k}" for c, k in self.target_pairs]
        return ", ".join(pairs)

    def column_args(self, column: Column) -> str:
        """The arguments of `sa.Column(...)` for a column of the link table."""
        args = [repr(column.name), column.sa_type, f"nullable={column.nullable}"]
        if column.role == "created_at":
            args.append("default=utcnow")
        if column.server_default:
            args.append(f"server_default={column.server_default}")
        return ", ".join(args)

    @cached_property
    def source_pairs(self) -> list[tuple[str, str]]:
        """(link column, source key column) pairs."""
        return list(zip(self.m.source_columns, self.m.source_key, strict=True))

    @cached_property
    def target_pairs(self) -> list[tuple[str, str]]:
        """(link column, target key column) pairs."""
        return list(zip(self.m.target_columns, self.m.target_key, strict=True))

    @cached_property
    def single(self) -> bool:
        """The target has a one-column key (its ids are plain values, not key objects)."""
        return len(self.m.target_key) == 1

    # -- expressions --------------------------------------------------------------------------

    def _tuple(self, parts: list[str]) -> str:
        return parts[0] if len(parts) == 1 else "sa.tuple_(" + ", ".join(parts) + ")"

    @cached_property
    def link_source(self) -> str:
        """The link table's source columns (`posts_tags.c.post_id`, or a tuple of them)."""
        return self._tuple([f"{self.col_prefix}{c}" for c, _ in self.source_pairs])

    @cached_property
    def link_target(self) -> str:
        return self._tuple([f"{self.col_prefix}{c}" for c, _ in self.target_pairs])

    @cached_property
    def source_key_expr(self) -> str:
        """The source's key columns (`Post.id`, or a tuple)."""
        cls = self.source.class_name
        return self._tuple([f"{cls}.{k}" for _, k in self.source_pairs])

    @cached_property
    def target_key_expr(self) -> str:
        cls = self.m.target_class
        return self._tuple([f"{cls}.{k}" for _, k in self.target_pairs])

    @cached_property
    def target_join(self) -> str:
        """The ON clause joining the link table to the target."""
        cls = self.m.target_class
        parts = [f"{cls}.{k} == {self.col_prefix}{c}" for c, k in self.target_pairs]
        return parts[0] if len(parts) == 1 else "sa.and_(" + ", ".join(parts) + ")"

    def source_match(self, source: str = "") -> str:
        """The link rows of one source row: `posts_tags.c.post_id == id` (the source's key
        parameters, or `<source>.<key>` when `source` names a row)."""
        row = source + "." if source else ""
        parts = [f"{self.col_prefix}{c} == {row}{k}" for c, k in self.source_pairs]
        return ", ".join(parts)

    def target_match(self) -> str:
        """The link rows of one target key given as the link columns' parameters."""
        return ", ".join(f"{self.col_prefix}{c} == {c}" for c, _ in self.target_pairs)

    # -- parameters -------------------------------------------------------------------------

    @cached_property
    def target_columns(self) -> list[Column]:
        """The target's key columns, in key order."""
        return [self.target.table.column(k) for k in self.m.target_key]

    @cached_property
    def target_params(self) -> str:
        """`tag_id: uuid.UUID` — the target key as parameters named by the link columns."""
        return ", ".join(
            f"{c}: {col.py_type}"
            for (c, _), col in zip(self.target_pairs, self.target_columns, strict=True)
        )

    @cached_property
    def route_target_params(self) -> str:
        return ", ".join(
            f"{c}: {_route_type(col)}"
            for (c, _), col in zip(self.target_pairs, self.target_columns, strict=True)
        )

    @cached_property
    def route_filter_type(self) -> str:
        """The list filter's query parameter type (a filter needs a one-column target key)."""
        return _route_type(self.target_columns[0])

    @cached_property
    def target_args(self) -> str:
        """`tag_id=tag_id` for passing the target key on."""
        return ", ".join(f"{c}={c}" for c, _ in self.target_pairs)

    @cached_property
    def target_key_args(self) -> str:
        """`id=tag_id`: the target key, for the target's own query functions."""
        return ", ".join(f"{k}={c}" for c, k in self.target_pairs)

    @cached_property
    def target_path(self) -> str:
        """`/{tag_id}` (one segment per key column) below `/{key}/<field>`."""
        return "".join("/{" + c + "}" for c, _ in self.target_pairs)

    @cached_property
    def id_type(self) -> str:
        """The annotation of one linked key in a Read (`uuid.UUID` or `PostTagKey`)."""
        return _read_type(self.target_columns[0]) if self.single else self.key_class

    @cached_property
    def input_id_type(self) -> str:
        """As `id_type`, for input: as strict as a body's field of the key's type (a JSON
        string is a UUID, a date or a decimal; a number is not)."""
        return _input_type(self.target_columns[0]) if self.single else self.key_class

    @cached_property
    def key_class(self) -> str:
        """The schema class of a composite target key (`PostTagKey`)."""
        return f"{self.source.class_name}{self.m.target_class}Key"

    @cached_property
    def key_fields(self) -> list[tuple[str, str, str]]:
        """(name, input annotation, read annotation) of each key column of a composite key."""
        return [
            (k, _input_type(col), _read_type(col))
            for (_, k), col in zip(self.target_pairs, self.target_columns, strict=True)
        ]

    def id_of(self, key: str) -> str:
        """Python source of one linked key as a Read carries it, from a key tuple `key`."""
        if self.single:
            return f"{key}[0]"
        items = ", ".join(f"{k!r}: {key}[{i}]" for i, (_, k) in enumerate(self.target_pairs))
        return "{" + items + "}"

    @cached_property
    def not_found_fields(self) -> str:
        """The `fields` of a 404 for a target key given in the path (every link column)."""
        message = f"no {self.m.target} with this key is visible to you"
        return "{" + ", ".join(f"{c!r}: [{message!r}]" for c, _ in self.target_pairs) + "}"

    def key_values(self, item: str) -> str:
        """The target key of one id `item` as a tuple, for `IN` lists and inserts."""
        if self.single:
            return f"({item},)"
        return "(" + ", ".join(f"{item}.{k}" for _, k in self.target_pairs) + ",)"

    # -- names --------------------------------------------------------------------------------

    @cached_property
    def singular(self) -> str:
        """The name of one link in function names (`tag` of `tags`)."""
        return self.m.id_key.removesuffix("_" + self.m.target_key[0]) or self.m.target

    @cached_property
    def attach(self) -> str:
        return f"attach_{self.source.name}_{self.singular}"

    @cached_property
    def detach(self) -> str:
        return f"detach_{self.source.name}_{self.singular}"

    @cached_property
    def linked(self) -> str:
        """The linked list's action and operation (`list_post_tags`)."""
        return f"list_{self.source.name}_{self.m.field}"

    @cached_property
    def reverse_action(self) -> str:
        """The reverse listing's action and operation (`list_tag_posts`)."""
        return f"list_{self.m.target}_{self.m.reverse}"

    @cached_property
    def reverse_path(self) -> str:
        """`/tags/{tag_id}/posts`: the target key segments named by the link columns."""
        return f"{self.target.route}{self.target_path}/{self.m.reverse}"


_INPUT_TYPES = {
    "uuid": "Annotated[uuid.UUID, Field(strict=False)]",
    "datetime": "UtcDateTime",
    "date": "IsoDate",
    "decimal": "StrictDecimal",
}
_READ_TYPES = {"uuid": "uuid.UUID", "datetime": "UtcDateTime", "decimal": "Decimal"}


def _input_type(column: Column) -> str:
    """A key column as an input annotation (JSON strings for UUIDs, dates and decimals)."""
    kind = column_kind(column)
    if kind == "enum" and column.enum_values:
        return literal_type(column.enum_values)
    return _INPUT_TYPES.get(kind, column.py_type)


def _route_type(column: Column) -> str:
    """A key column as a path or query parameter (render/literals.py `route_type`)."""
    return route_type(column)


def _read_type(column: Column) -> str:
    return _READ_TYPES.get(column_kind(column), column.py_type)


def links_of(view: EntityView) -> list[LinkView]:
    return [LinkView(m, view) for m in view.e.many]


def incoming(view: EntityView) -> list[LinkView]:
    """The many fields elsewhere (or on this entity) that link to `view`'s entity."""
    out = []
    for other in view.project.linking_to(view.e.name):
        for link in view.project.view(other).links:
            if link.m.target == view.e.name:
                out.append(link)
    return out
