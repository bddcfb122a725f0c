"""The template registry: every generated file, the template it comes from, and when it applies.

One table, like ent's `Templates = []TypeTemplate{...}`: adding a file to what `scaffold
generate` writes means adding a row here and a template under `templates/entity/`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from scaffold.ir.model import Entity, Schema


@dataclass(frozen=True)
class Template:
    """One template: `name` under templates/entity/, rendered once per entity or per project."""

    name: str
    scope: Literal["entity", "project"]
    # Output path relative to the project root; formatted with src, package, module, plural.
    output: str
    applies: Callable[[Entity], bool] | None = None
    # a project template is rendered when some entity passes `applies` (always without it)
    python: bool = True

    def path_for(self, *, src: str, package: str, entity: Entity | None = None) -> str:
        fields = {"src": src, "package": package, "module": "", "plural": ""}
        if entity is not None:
            fields.update(module=entity.module, plural=entity.plural)
        return self.output.format(**fields)


def _has_api(entity: Entity) -> bool:
    return entity.api


def _no_api(entity: Entity) -> bool:
    return not entity.api


def _has_links(entity: Entity) -> bool:
    return entity.api and bool(entity.many)


def _has_stats(entity: Entity) -> bool:
    return bool(entity.stats)


def _has_stats_api(entity: Entity) -> bool:
    return entity.api and bool(entity.stats)


def _has_cached_stats_api(entity: Entity) -> bool:
    return _has_stats_api(entity) and entity.stats_cache_seconds > 0


def _audited(entity: Entity) -> bool:
    return entity.audit


def _audited_api(entity: Entity) -> bool:
    return entity.api and entity.audit


ENTITY_DIR = "{src}/{package}/entities/{module}"
AUDIT_DIR = "{src}/{package}/entities/audit_events"

TEMPLATES: tuple[Template, ...] = (
    Template("__init__.py.jinja", "entity", ENTITY_DIR + "/__init__.py"),
    Template("model.py.jinja", "entity", ENTITY_DIR + "/model.py"),
    Template("schemas.py.jinja", "entity", ENTITY_DIR + "/schemas.py"),
    Template("queries.py.jinja", "entity", ENTITY_DIR + "/queries.py"),
    Template("actions.py.jinja", "entity", ENTITY_DIR + "/actions.py"),
    Template("stats.py.jinja", "entity", ENTITY_DIR + "/stats.py", applies=_has_stats),
    Template("routes.py.jinja", "entity", ENTITY_DIR + "/routes.py", applies=_has_api),
    # The generated tests drive the HTTP routes; an entity without routes (`api: false`) gets
    # tests of its actions instead.
    Template(
        "test_entity.py.jinja",
        "entity",
        "tests/entities/test_{plural}.py",
        applies=_has_api,
    ),
    Template(
        "test_actions.py.jinja",
        "entity",
        "tests/entities/test_{plural}.py",
        applies=_no_api,
    ),
    Template(
        "test_links.py.jinja",
        "entity",
        "tests/entities/test_{plural}_links.py",
        applies=_has_links,
    ),
    Template(
        "test_stats.py.jinja",
        "entity",
        "tests/entities/test_{plural}_stats.py",
        applies=_has_stats_api,
    ),
    Template(
        "test_stats_cache.py.jinja",
        "entity",
        "tests/entities/test_{plural}_stats_cache.py",
        applies=_has_cached_stats_api,
    ),
    Template(
        "test_entity_audit.py.jinja",
        "entity",
        "tests/entities/test_{plural}_audit.py",
        applies=_audited_api,
    ),
    Template("entity_factories.py.jinja", "entity", "tests/entities/factories_{plural}.py"),
    Template("registry.py.jinja", "project", "{src}/{package}/entities/registry.py"),
    Template("tests_init.py.jinja", "project", "tests/entities/__init__.py"),
    Template("factory_support.py.jinja", "project", "tests/entities/factory_support.py"),
    Template("factories.py.jinja", "project", "tests/entities/factories.py"),
    Template(
        "stats_support.py.jinja",
        "project",
        "tests/entities/stats_support.py",
        applies=_has_stats_api,
    ),
    # the audit log (DESIGN §9.4), when some entity has `audit: true`
    Template("audit_init.py.jinja", "project", AUDIT_DIR + "/__init__.py", applies=_audited),
    Template("audit_model.py.jinja", "project", AUDIT_DIR + "/model.py", applies=_audited),
    Template("audit_log.py.jinja", "project", AUDIT_DIR + "/log.py", applies=_audited),
    Template("audit_routes.py.jinja", "project", AUDIT_DIR + "/routes.py", applies=_audited),
    Template("test_audit.py.jinja", "project", "tests/test_audit_events.py", applies=_audited),
)


def applicable(schema: Schema) -> list[tuple[Template, Entity | None]]:
    """Every (template, entity) pair to render for `schema`, in a stable order."""
    pairs: list[tuple[Template, Entity | None]] = []
    for template in TEMPLATES:
        if template.scope == "project":
            if schema.entities and (
                template.applies is None or any(template.applies(e) for e in schema.entities)
            ):
                pairs.append((template, None))
            continue
        for entity in schema.entities:
            if template.applies is None or template.applies(entity):
                pairs.append((template, entity))
    return pairs
