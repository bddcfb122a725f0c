"""`scaffold new entity NAME` through the real command line: a plural NAME is singularized the
way Rails does it, with a note; `--force-plural` keeps it; singular words ending in `s` stay."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(REPO / "src")}


def _scaffold(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scaffold", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("new_entity") / "shop"
    out = _scaffold("init", str(root), "--package", "shop", "--defaults", cwd=root.parent)
    assert out.returncode == 0, out.stdout + out.stderr
    return root


def _new(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    out = _scaffold("new", "entity", *args, cwd=project)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    return out


def test_a_plural_name_becomes_its_singular_with_a_note(project: Path) -> None:
    out = _new(project, "comments", "--field", "body:text")
    assert out.stderr.splitlines() == [
        "note: `comments` looks plural; creating entity `comment` (table and route `comments`); "
        "pass --force-plural to keep `comments`"
    ]
    spec = (project / "specs/comment.yaml").read_text()
    assert "entity: comment\n" in spec and "plural:" not in spec
    assert not (project / "specs/comments.yaml").exists()
    assert (project / "src/shop/entities/comments/routes.py").is_file()
    assert "create table comments " in out.stdout
    assert "/comments," in out.stdout and "commentss" not in out.stdout
    routes = (project / "src/shop/entities/comments/routes.py").read_text()
    assert 'prefix="/comments"' in routes
    model = (project / "src/shop/entities/comments/model.py").read_text()
    assert "class Comment(Base)" in model and '__tablename__ = "comments"' in model


def test_force_plural_keeps_the_name_and_does_not_double_it(project: Path) -> None:
    out = _new(project, "tags", "--force-plural")
    assert "note:" not in out.stderr
    assert "entity: tags\n" in (project / "specs/tags.yaml").read_text()
    assert "create table tags " in out.stdout and "tagss" not in out.stdout


@pytest.mark.parametrize(
    ("name", "table"),
    [("status", "statuses"), ("address", "addresses"), ("news", "news"), ("series", "series")],
)
def test_singular_words_ending_in_s_are_left_alone(project: Path, name: str, table: str) -> None:
    out = _new(project, name)
    assert "note:" not in out.stderr
    assert f"entity: {name}\n" in (project / f"specs/{name}.yaml").read_text()
    assert f"create table {table} " in out.stdout
    assert (project / f"src/shop/entities/{table}/routes.py").is_file()


@pytest.mark.parametrize(
    ("name", "entity", "table"),
    [("shelf_items", "shelf_item", "shelf_items"), ("people", "person", "people")],
)
def test_compound_and_irregular_plurals(project: Path, name: str, entity: str, table: str) -> None:
    out = _new(project, name)
    assert f"creating entity `{entity}` (table and route `{table}`)" in out.stderr
    assert f"entity: {entity}\n" in (project / f"specs/{entity}.yaml").read_text()
    assert f"create table {table} " in out.stdout
    assert f"/{table}" in out.stdout


def test_the_singular_of_an_existing_entity_is_refused(project: Path) -> None:
    out = _scaffold("new", "entity", "users", cwd=project)
    assert out.returncode == 2
    assert "note: `users` looks plural" in out.stderr
    assert "already exists" in out.stderr and "Traceback" not in out.stderr


def test_a_plural_inflect_would_spell_otherwise_is_kept_as_the_spec_plural(project: Path) -> None:
    """`indices` → entity `index`, whose plural inflect spells `indexes`: the spec says
    `plural: indices`, so the table and route are the name the user typed."""
    out = _new(project, "indices")
    spec = (project / "specs/index.yaml").read_text()
    assert "entity: index\nplural: indices\n" in spec
    assert "create table indices " in out.stdout


def test_a_many_field_from_the_command_line_gets_its_link_table(project: Path) -> None:
    """`--field labels:many(label)`: the spec's short form, a revision that creates the link
    table, a snapshot that holds it, and `scaffold check` content (no drift) — through a
    rename of the field and its removal."""
    _new(project, "label", "--field", "name:text")
    out = _new(project, "article", "--field", "title:text", "--field", "labels:many(label)")
    spec_path = project / "specs/article.yaml"
    spec = spec_path.read_text()
    assert "  labels: {type: many, to: label}\n" in spec
    assert "create table articles_labels" in out.stdout
    snapshot = json.loads((project / ".scaffold/snapshot.json").read_text())
    assert "articles_labels" in [t["name"] for t in snapshot["tables"]]

    def check() -> None:
        (project / ".scaffold/fingerprint").unlink(missing_ok=True)  # no shortcut: replan
        done = _scaffold("check", cwd=project)
        assert done.returncode == 0 and "up to date" in done.stdout, done.stdout + done.stderr

    check()
    refused = _scaffold("destroy", "entity", "label", cwd=project)
    assert refused.returncode == 2 and "referenced by article" in refused.stderr

    spec_path.write_text(spec.replace("labels: {", "topics: {renamed_from: labels, "))
    out = _scaffold("generate", cwd=project)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "rename table articles_labels to articles_topics" in out.stdout
    check()

    spec_path.write_text(spec.replace("  labels: {type: many, to: label}\n", ""))
    out = _scaffold("generate", cwd=project)
    assert out.returncode == 2 and "articles_topics" in out.stderr, out.stdout + out.stderr
    out = _scaffold("generate", "--allow-data-loss", cwd=project)
    assert out.returncode == 0 and "drop table articles_topics" in out.stdout, out.stdout
    check()
