"""Explicit link entities: `voted_messages: {type: many, to: message, via: vote}` on `chat`.

The links of such a many field are the rows of an ordinary entity, `vote` (its own spec, fields,
ownership and routes), which has exactly one required ref to the source (`chat`) and exactly one
to the target (`message`); for a self-relation, exactly two required refs to the entity, the one
named like the entity (or else the first in spec order) being the source side. No link table is
added: `vote`'s own table holds the links, so the field adds no table, no column and no
ordering (the link entity refers to both sides, so it comes after both already).

This module checks the link entity and finds its two refs; relations.py builds the `Many` from
them. The rules are written down in docs/spec-language.md, "Explicit link entities (`via`)".
"""

from __future__ import annotations

from scaffold.ir.model import Entity, Ref
from scaffold.ir.resolve.context import Context, Ent
from scaffold.ir.resolve.refs import find_target


def via_target(ctx: Context, ent: Ent, fname: str) -> None:
    """The `via` of many field `fname` names an entity of these specs (next to the targets)."""
    via = ent.fields[fname].spec.via
    if via is not None:
        find_target(ctx, ent, fname, via, "many field", key="via")


def via_sides(
    ctx: Context,
    ent: Ent,
    fname: str,
    ends: tuple[Entity, Entity, Entity],
    used: dict[str, tuple[Entity, str, Entity]],
) -> tuple[Ref, Ref] | None:
    """The refs of the link entity to the source and to the target of many field `fname`, in
    that order; None, reported, when the link entity is no such entity. `ends`: the source,
    the target and the link entity; `used`: link entity → the source, field and target of the
    many field that links through it already (this one is added)."""
    source, target, via = ends
    where = ent.loaded.key_at("fields", fname, "via")
    if via.name in (source.name, target.name):
        side = "source" if via.name == source.name else "target"
        ctx.err(
            where,
            f"many field `{fname}` links through `{via.name}`, which is its {side} itself; the "
            "link entity is a third entity, with a required ref to each side",
            f"remove `via` to keep the links in the link table `{source.table.name}_{fname}`, "
            f"or name an entity with a required ref to `{source.name}` and one to "
            f"`{target.name}`",
        )
        return None
    if via.name in used:
        first_source, first_field, first_target = used[via.name]
        if (first_source.name, first_target.name) == (target.name, source.name):
            hint = (
                f"remove `{fname}`: the reverse listing of `{first_field}`, under "
                f"`{first_target.route}/{{id}}/`, lists these links from this side already"
            )
        else:
            hint = f"link through another entity, or remove `{fname}`"
        ctx.err(
            where,
            f"`{via.name}` is already the link entity of many field `{first_field}` of "
            f"`{first_source.name}`; one link entity serves one many field",
            hint,
        )
        return None
    used[via.name] = (source, fname, target)
    if source.name == target.name:
        return _self_sides(ctx, ent, fname, source, via)
    to_source = [r for r in via.refs if r.target == source.name and r.required]
    to_target = [r for r in via.refs if r.target == target.name and r.required]
    if len(to_source) == 1 and len(to_target) == 1:
        return to_source[0], to_target[0]
    hints = [
        advice
        for side, found in ((source, to_source), (target, to_target))
        if (advice := _side_hint(via, side, len(found), 1)) is not None
    ]
    ctx.err(
        where,
        f"`{via.name}` needs one required ref to `{source.name}` and one to `{target.name}` to "
        f"link many field `{fname}` of `{source.name}`; it has {_refs_of(via)}",
        "; ".join(hints),
    )
    return None


def _self_sides(
    ctx: Context, ent: Ent, fname: str, source: Entity, via: Entity
) -> tuple[Ref, Ref] | None:
    """A self-relation: two required refs to the entity; the one named like it is the source
    side, or else the first in spec order."""
    refs = [r for r in via.refs if r.target == source.name and r.required]
    if len(refs) != 2:
        ctx.err(
            ent.loaded.key_at("fields", fname, "via"),
            f"`{via.name}` needs two required refs to `{source.name}` to link many field "
            f"`{fname}` of `{source.name}` to `{source.name}` (the ref named `{source.name}`, "
            f"or else the first, is the source side); it has {_refs_of(via)}",
            _side_hint(via, source, len(refs), 2),
        )
        return None
    first, second = refs
    if second.field == source.name:
        return second, first
    return first, second


def _refs_of(via: Entity) -> str:
    """The refs of the link entity, as a message lists them."""
    if not via.refs:
        return "no refs"
    return ", ".join(
        f"`{r.field}` ({'required' if r.required else 'optional'}, to `{r.target}`)"
        for r in via.refs
    )


def _side_hint(via: Entity, side: Entity, found: int, needed: int) -> str | None:
    """What to write in the link entity so it has `needed` required refs to `side`."""
    if found == needed:
        return None
    if found > needed:
        return (
            f"keep {needed} required ref{'s' if needed > 1 else ''} to `{side.name}` in "
            f"`{via.name}`: write `required: false` on the others"
        )
    optional = [r.field for r in via.refs if r.target == side.name and not r.required]
    if optional:
        return f"make the ref `{optional[0]}` of `{via.name}` required (remove `required: false`)"
    taken = {f.name for f in via.fields}
    name = side.name if side.name not in taken else f"{side.name}_ref"
    if name in taken:
        name = f"linked_{side.name}"
    return (
        f"add `{name}: {{type: ref, to: {side.name}, on_delete: cascade}}` to the fields of "
        f"`{via.name}`"
    )
