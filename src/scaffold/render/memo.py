"""The render memo: an entity's modules are not rendered again when nothing they read changed.

A one-field change in one spec used to render every template of every entity again (Jinja and
the views' computations were most of such a run). Each entity's templates are rendered together
through a `TrackedProjectView`, which records everything they reach beyond the entity itself:

- the other entities reached (`schema.entity(name)`, `project.view(entity)`), by the digest of
  their IR;
- the values of the project-wide lookups (`rows_at_once[name]`, `invalidated_by[name]`,
  `referring_to(name)`, `linking_to(name)`, `user_entity`, a link table, any other attribute of
  the schema), by the digest of the value;
- anything that sees every entity (`schema.entities`, `project.views`): such a render is not
  memoized at all.

The views are built anew for each entity, so nothing computed while rendering one entity is
reused, unrecorded, by another. A memo entry (in the user cache folder, keyed by the entity's
name, its templates, scaffold's code, the templates' text and the project settings) holds those
records and the cache keys of the finished modules (render/format.py `final_key`); it is used
only when every record still holds and every finished module is still cached, and is otherwise
rendered, and recorded, again. `tests/render/test_memo.py` holds memoized renders equal to fresh
ones across spec changes of every kind.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffold.ir.model import Entity, Schema, plain
from scaffold.render.pysource import EntityView, ProjectView

if TYPE_CHECKING:
    import jinja2

    from scaffold.render.registry import Template

MEMO_VERSION = "1"


@dataclass
class Deps:
    """What one entity's renders reached: entity name → IR digest, value key → digest."""

    entities: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    everything: bool = False


class _Digests:
    """Digests of the current schema's entities and lookup values, each computed once a run."""

    def __init__(self, project: ProjectView) -> None:
        self.project = project
        self._entities: dict[str, str | None] = {}
        self._values: dict[str, str | None] = {}

    def entity(self, name: str) -> str | None:
        if name not in self._entities:
            try:
                found = self.project.schema.entity(name)
            except KeyError:
                self._entities[name] = None
            else:
                self._entities[name] = _digest(_canonical(found))
        return self._entities[name]

    def value(self, key: str) -> str | None:
        if key not in self._values:
            try:
                self._values[key] = _digest(_canonical(_lookup(self.project, key)))
            except (KeyError, ValueError, AttributeError):
                self._values[key] = None
        return self._values[key]


def _lookup(project: ProjectView, key: str) -> Any:
    """The value a record's `key` names, on `project` (the untracked, shared view)."""
    kind, _, arg = key.partition(":")
    if kind == "rows_at_once":
        return project.rows_at_once[arg]
    if kind == "invalidated_by":
        return project.invalidated_by[arg]
    if kind == "referring_to":
        return [e.name for e in project.referring_to(arg)]
    if kind == "linking_to":
        return [e.name for e in project.linking_to(arg)]
    if kind == "user_entity":
        user = project.user_entity
        return None if user is None else user.name
    if kind == "link_table":
        return project.schema.link_table(arg)
    if kind == "schema":
        return getattr(project.schema, arg)
    raise ValueError(key)


def _canonical(value: Any) -> str:
    """`value` (IR nodes, plain values) as one JSON text; compact, which json encodes in C."""
    return json.dumps(plain(value), sort_keys=True, separators=(",", ":"), default=repr)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


class _Recorder:
    def __init__(self, digests: _Digests, deps: Deps) -> None:
        self.digests = digests
        self.deps = deps

    def entity(self, name: str) -> None:
        if name not in self.deps.entities:
            digest = self.digests.entity(name)
            if digest is None:
                self.deps.everything = True  # not an entity of the schema: do not memoize
            else:
                self.deps.entities[name] = digest

    def value(self, key: str) -> None:
        if key not in self.deps.values:
            digest = self.digests.value(key)
            if digest is None:
                self.deps.everything = True
            else:
                self.deps.values[key] = digest


_WHOLE = frozenset({"entities", "tables", "link_tables"})


class TrackingSchema:
    """The schema as one entity's templates see it: every entity and value reached is recorded."""

    def __init__(self, schema: Schema, recorder: _Recorder) -> None:
        self._schema = schema
        self._recorder = recorder

    def entity(self, name: str) -> Entity:
        found = self._schema.entity(name)
        self._recorder.entity(name)
        return found

    def link_table(self, name: str) -> Any:
        found = self._schema.link_table(name)
        self._recorder.value(f"link_table:{name}")
        return found

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._schema, name)
        if name in _WHOLE or callable(value):
            self._recorder.deps.everything = True
        else:
            self._recorder.value(f"schema:{name}")
        return value


class _RecordingMap(Mapping[str, Any]):
    """A project-wide lookup table whose every key read is recorded, with its value."""

    def __init__(self, data: Mapping[str, Any], kind: str, recorder: _Recorder) -> None:
        self._data = data
        self._kind = kind
        self._recorder = recorder

    def __getitem__(self, key: str) -> Any:
        value = self._data[key]
        self._recorder.value(f"{self._kind}:{key}")
        return value

    def __iter__(self) -> Iterator[str]:
        self._recorder.deps.everything = True
        return iter(self._data)

    def __len__(self) -> int:
        self._recorder.deps.everything = True
        return len(self._data)


class TrackedProjectView(ProjectView):
    """A fresh project view for one entity's renders, reading the shared one, recording."""

    def __init__(self, shared: ProjectView, recorder: _Recorder) -> None:
        super().__init__(schema=shared.schema, package=shared.package)
        self.schema = TrackingSchema(shared.schema, recorder)  # type: ignore[assignment]
        self._shared = shared
        self._recorder = recorder

    def view(self, entity: Entity) -> EntityView:
        self._recorder.entity(entity.name)
        return super().view(entity)

    @cached_property
    def views(self) -> list[EntityView]:
        self._recorder.deps.everything = True
        return [self.view(e) for e in self._shared.schema.entities]

    @cached_property
    def invalidated_by(self) -> dict[str, tuple[str, ...]]:
        return _RecordingMap(self._shared.invalidated_by, "invalidated_by", self._recorder)  # type: ignore[return-value]

    @cached_property
    def rows_at_once(self) -> dict[str, int]:
        return _RecordingMap(self._shared.rows_at_once, "rows_at_once", self._recorder)  # type: ignore[return-value]

    @cached_property
    def user_entity(self) -> Entity | None:
        self._recorder.value("user_entity")
        user = self._shared.user_entity
        if user is not None:
            self._recorder.entity(user.name)
        return user

    def referring_to(self, name: str) -> list[Entity]:
        self._recorder.value(f"referring_to:{name}")
        return [self.schema.entity(e.name) for e in self._shared.referring_to(name)]

    def linking_to(self, name: str) -> list[Entity]:
        self._recorder.value(f"linking_to:{name}")
        return [self.schema.entity(e.name) for e in self._shared.linking_to(name)]


class RenderMemo:
    """Memo entries of one run: looked up before an entity's templates are rendered, stored
    after. Without a cache folder (`SCAFFOLD_NO_CACHE`) nothing is looked up or stored; the
    templates are rendered through a tracked view all the same."""

    def __init__(self, project: ProjectView, *, setting: str, folder: Path | None) -> None:
        self.project = project
        self.folder = folder
        self.digests = _Digests(project)
        self._setting = setting

    def tracked(self) -> tuple[TrackedProjectView, Deps]:
        deps = Deps()
        return TrackedProjectView(self.project, _Recorder(self.digests, deps)), deps

    def _key(self, entity: Entity, templates: list[Template]) -> str:
        names = ",".join(t.name for t in templates)
        return _digest(f"memo {MEMO_VERSION}\0{self._setting}\0{entity.name}\0{names}")

    def lookup(
        self,
        entity: Entity,
        templates: list[Template],
        finished: Callable[[str], str | None],
    ) -> dict[str, str] | None:
        """template name → final text, when the entry holds and every module is still cached."""
        if self.folder is None:
            return None
        from scaffold.cache import read_cache_file

        key = self._key(entity, templates)
        text = read_cache_file(self.folder / key[:2] / key)
        if text is None:
            return None
        try:
            entry = json.loads(text)
            if any(self.digests.entity(n) != d for n, d in entry["entities"].items()):
                return None
            if any(self.digests.value(k) != d for k, d in entry["values"].items()):
                return None
            out: dict[str, str] = {}
            for name, (kind, value) in entry["outputs"].items():
                done = value if kind == "text" else finished(value)
                if done is None:
                    return None
                out[str(name)] = str(done)
        except (ValueError, KeyError, TypeError):
            return None
        if set(out) != {t.name for t in templates}:
            return None
        return out

    def store(
        self,
        entity: Entity,
        templates: list[Template],
        deps: Deps,
        outputs: dict[str, tuple[str, str]],
    ) -> None:
        """Record a render: `outputs` is template name → ("final", final key) or ("text", t)."""
        if self.folder is None or deps.everything:
            return
        from scaffold.cache import write_cache_file

        key = self._key(entity, templates)
        entry = {"entities": deps.entities, "values": deps.values, "outputs": outputs}
        write_cache_file(self.folder / key[:2] / key, json.dumps(entry, sort_keys=True))


def memo_setting(env: jinja2.Environment, package: str, specs_dir: str, src_dir: str) -> str:
    """What every memo entry of a run depends on besides the specs: scaffold's code, the text of
    the templates `env` renders, the project settings."""
    from scaffold.digest import code_digest

    digest = hashlib.sha256(f"{code_digest()}\0{package}\0{specs_dir}\0{src_dir}".encode())
    loader = env.loader
    if loader is None:
        raise ValueError("the template environment has no loader")
    for name in sorted(loader.list_templates()):
        digest.update(b"\0" + name.encode() + b"\0")
        digest.update(loader.get_source(env, name)[0].encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def memo_folder() -> Path | None:
    from scaffold.cache import cache_root

    root = cache_root()
    return None if root is None else root / "render"
