"""Resolve stage: validated specs → one frozen `Schema`, with every name computed.

The resolver checks everything that needs more than one key or more than one file — names,
refs, ownership chains, defaults against their type, the keyset order — and points each problem
at the key that causes it. All problems are collected and raised together as `SpecErrors`.
The decisions it encodes are written down in docs/spec-language.md.

It runs as passes over one shared `Context` (context.py), each pass a module of one concern:
names.py (entities, names), fields.py (scalar fields), refs.py (primary keys, refs, table
order), ownership.py, keys.py (uniques, listing), indexing.py (indexes), build.py (the
`Entity`), stats.py (statistics and their indexes), relations.py (many fields: their `Many`
and link tables), audit.py (the `audit_events` table), testvalues.py (values the generated
tests can write). `_run` is the recipe.
"""

from __future__ import annotations

from collections.abc import Sequence

from scaffold.errors import Diagnostic, SpecErrors
from scaffold.ir import values
from scaffold.ir.model import Schema
from scaffold.ir.resolve.audit import audit_table
from scaffold.ir.resolve.build import build_entity, replace_pk
from scaffold.ir.resolve.context import Context
from scaffold.ir.resolve.fields import scalar_fields
from scaffold.ir.resolve.names import check_global_names, collect_entities
from scaffold.ir.resolve.ownership import owners
from scaffold.ir.resolve.refs import order_entities, primary_key, ref_fields
from scaffold.ir.resolve.relations import link_tables, many_targets
from scaffold.ir.resolve.testvalues import check_test_values
from scaffold.spec.load import LoadedSpec

__all__ = ["check_partial", "replace_pk", "resolve"]


def _run(ctx: Context) -> Schema:
    collect_entities(ctx)
    for ent in ctx.ents.values():
        scalar_fields(ctx, ent)
    for ent in ctx.ents.values():
        primary_key(ctx, ent)
    for ent in ctx.ents.values():
        ref_fields(ctx, ent)
        many_targets(ctx, ent)
    owners(ctx)
    # With problems already found, entities are still built (to report their own problems)
    # in name order; the dependency order only matters for a schema that is returned.
    order = order_entities(ctx) if not ctx.diags else sorted(ctx.ents)
    entities = []
    for name in order:
        built = build_entity(ctx, ctx.ents[name])
        if built is not None:
            entities.append(built)
    # many fields add no order between entities: their link tables come after every entity's
    entities, links = link_tables(ctx, entities)
    audit = audit_table(entities)
    if not ctx.diags:
        tables = [*(e.table for e in entities), *links, *([audit] if audit else [])]
        check_global_names(ctx, tables)
    if not ctx.diags:
        rows = values.rows_at_once(entities)
        for built in entities:
            check_test_values(ctx, ctx.ents[built.name], built, rows[built.name])
    if ctx.diags:
        raise SpecErrors(ctx.diags)
    return Schema(entities=tuple(entities), link_tables=links, audit_table=audit)


def resolve(specs: Sequence[LoadedSpec]) -> Schema:
    """Resolve every loaded spec into one `Schema`. Raises `SpecErrors` with all problems."""
    return _run(Context(specs))


def check_partial(specs: Sequence[LoadedSpec], also_known: frozenset[str]) -> list[Diagnostic]:
    """The problems of the specs that loaded, when others did not (`also_known` names the
    entities of those others, so refs to them are not reported as unknown)."""
    try:
        _run(Context(specs, also_known))
    except SpecErrors as errors:
        return list(errors.diagnostics)
    return []
