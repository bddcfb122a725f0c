"""Ownership: who owns each row — the user (`owner: user`), no one (`owner: none`) or the owner of
a parent reached through a required ref (`owner: {through: <ref>}`), chains and circles."""

from __future__ import annotations

import difflib

from scaffold.ir import naming
from scaffold.ir.model import OwnerHop, Ownership
from scaffold.ir.resolve.context import Context, Ent


def owners(ctx: Context) -> None:
    """Settle the `Ownership` of every entity (`Ent.owner`; left None where it fails)."""
    failed: set[str] = set()  # the entities of an ownership circle, reported once
    for ent in ctx.ents.values():
        ownership(ctx, ent, [], failed)


def ownership(ctx: Context, ent: Ent, visiting: list[str], failed: set[str]) -> Ownership | None:
    """The owner of `ent`, after those of the parents it is owned through (`visiting`: the
    entities of the chain so far, to find a circle)."""
    if ent.owner is not None:
        return ent.owner
    if ent.name in failed:
        return None
    spec = ent.spec
    loaded = ent.loaded
    kind = spec.owner.kind
    if kind == "user":
        ent.owner = Ownership(
            kind="user",
            column="user_id",
            root_entity=ent.name,
            root_table=ent.table,
            root_column="user_id",
            visibility=spec.visibility,
            visibility_table=ent.table if spec.visibility == "per_row" else None,
            visibility_column=("visibility" if spec.visibility == "per_row" else None),
        )
        return ent.owner
    if kind == "none":
        if spec.visibility == "per_row":
            ctx.err(
                loaded.at("visibility"),
                "`visibility: per_row` needs an owner; a shared table (owner: none) is "
                "readable by every actor",
                "remove `visibility`, or set `owner: user`",
            )
            ent.ok = False
            return None
        ent.owner = Ownership(kind="none", visibility=spec.visibility)
        return ent.owner
    through = spec.owner.through or ""
    where = (
        loaded.at("owner", "through") if loaded.has("owner", "through") else (loaded.at("owner"))
    )
    if ent.name in visiting:
        members = visiting[visiting.index(ent.name) :]
        failed.update(members)
        cycle = " → ".join([*members, ent.name])
        ctx.err(
            where,
            f"ownership goes round in a circle: {cycle}",
            "one entity of the chain must have `owner: user`",
        )
        ent.ok = False
        return None
    if loaded.has("visibility") and spec.visibility != "private":
        ctx.err(
            loaded.at("visibility"),
            f"`{ent.name}` is owned through a ref, so it takes its visibility from its " "parent",
            "remove `visibility` (set it on the parent)",
        )
        ent.ok = False
    info = ent.fields.get(through)
    if info is None or info.spec.type != "ref":
        if info is not None and info.spec.type == "many":
            msg = (
                f"`owner: {{through: {through}}}` names the many field `{through}`; a row is "
                "owned through one parent, a ref"
            )
            single = naming.singular(through)
            hint = f"name a required ref field here, e.g. `{single}: ref({single})`"
        elif through in ent.fields or through in spec.fields:
            msg = f"`owner: {{through: {through}}}` names `{through}`, which is not a ref"
            hint = f"make `{through}` a ref: {{type: ref, to: <parent entity>}}"
        else:
            refs = [n for n, i in ent.fields.items() if i.spec.type == "ref"]
            msg = f"`owner: {{through: {through}}}` names no field of `{ent.name}`"
            close = difflib.get_close_matches(through, refs, n=1)
            hint = (
                f"did you mean `{close[0]}`?"
                if close
                else f"add a ref field `{through}: {{type: ref, to: {through}}}`"
            )
        ctx.err(where, msg, hint)
        ent.ok = False
        return None
    if not info.spec.required:
        ctx.err(
            loaded.at("fields", through),
            f"ref `{through}` decides who owns the row, so it must be required",
            "remove `required: false`",
        )
        ent.ok = False
        return None
    if info.ref is None:
        return None  # its own problem was reported
    parent = ctx.ents[info.ref.target]
    if parent.spec.owner.kind == "none":
        ctx.err(
            where,
            f"`{parent.name}` is shared (owner: none), so `{ent.name}` cannot be owned "
            "through it",
            "use `owner: user` or `owner: none` here",
        )
        ent.ok = False
        return None
    upstream = ownership(ctx, parent, [*visiting, ent.name], failed)
    if upstream is None:
        ent.ok = False
        return None
    hop = OwnerHop(
        entity=ent.name,
        ref=through,
        columns=info.ref.columns,
        target=parent.name,
        target_table=parent.table,
        target_columns=info.ref.target_columns,
    )
    ent.owner = Ownership(
        kind="through",
        chain=(hop, *upstream.chain),
        root_entity=upstream.root_entity,
        root_table=upstream.root_table,
        root_column=upstream.root_column,
        visibility=upstream.visibility,
        visibility_table=upstream.visibility_table,
        visibility_column=upstream.visibility_column,
    )
    return ent.owner


def owner_scoped_list(ent: Ent) -> bool:
    """Whether a list reads only the actor's own rows (so its keyset index leads with user_id);
    public and per-row entities list other users' rows too, so theirs cannot."""
    return ent.owner is not None and ent.owner.kind == "user" and ent.spec.visibility == "private"
