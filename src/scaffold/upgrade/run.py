"""`scaffold upgrade` as one recipe, and the record `scaffold init` leaves for the next one.

answers = read_answers(root); new = render_current(answers)
bases = recorded bases, or derive_bases(...) for a project made before versions were kept
plan = plan_upgrade(root, new, bases); apply_plan(plan)          # atomic, state last
"""

from __future__ import annotations

import sys
from pathlib import Path

from scaffold.errors import UsageError
from scaffold.template_version import PROJECT_TEMPLATE_VERSION
from scaffold.upgrade.plan import plan_upgrade
from scaffold.upgrade.render import read_answers, render_current, render_template
from scaffold.upgrade.state import (
    ANSWERS_FILE,
    load_state,
    newer_than_known,
    read_bases,
    recorded_version,
)
from scaffold.write import Action, WritePlan, apply_plan, recover


def record_template(root: Path, *, template: Path | str, vcs_ref: str | None = None) -> None:
    """Record what `template` rendered into the new project at `root` (for `init`): the merge
    bases of the first upgrade, and the template version. Only `.scaffold/template/` is
    written: the render is the one copier just made."""
    rendered = render_template(template, read_answers(root), vcs_ref=vcs_ref)
    plan = plan_upgrade(root, rendered, rendered, template_version=PROJECT_TEMPLATE_VERSION)
    apply_plan(plan)


def upgrade(
    *,
    dry_run: bool = False,
    json_out: bool = False,
    force: bool = False,
    start: Path | None = None,
) -> int:
    """`scaffold upgrade`: 0 when done, 1 when files have conflicts or are left for review."""
    from scaffold.project import load_project

    root = load_project(start).root
    version = recorded_version(root)
    if version is None:
        raise UsageError(
            f"no {ANSWERS_FILE} here: this project was not made by `scaffold init` (or "
            "`copier copy` of its template), so there is no project template to upgrade to"
        )
    problem = newer_than_known(version)
    if problem:
        raise UsageError(problem)
    if not dry_run:
        for line in recover(root):
            _echo(line)
    answers = read_answers(root)
    new = render_current(answers)
    state = load_state(root)
    if state is not None:
        bases = read_bases(root, state)
        source = f"project template version {state.version}"
    else:
        from scaffold.upgrade.history import derive_bases

        derived = derive_bases(root, new, answers)
        bases = derived.bases
        source = (
            f"unrecorded version (bases: the past template of {derived.source})"
            if derived.source
            else "unrecorded version (no past template matches: files that differ are for review)"
        )
    plan = plan_upgrade(root, new, bases, template_version=PROJECT_TEMPLATE_VERSION, force=force)
    target = f"project template version {PROJECT_TEMPLATE_VERSION}"
    if json_out:
        extra = {"template": {"from": source, "to": PROJECT_TEMPLATE_VERSION, "dry_run": dry_run}}
        _echo(plan.to_json(extra=extra))
    elif dry_run:
        _echo(plan.diff() or "nothing would change")
    if not dry_run:
        apply_plan(plan)
    if not json_out and not dry_run:
        _report(plan, source, target)
    return 1 if _needs_attention(plan) else 0


def _needs_attention(plan: WritePlan) -> bool:
    return plan.has_conflicts or bool(plan.paths(Action.REVIEW))


def _report(plan: WritePlan, source: str, target: str) -> None:
    _echo(f"upgrade: {source} → {target}")
    for line in plan.summary_lines():
        _echo(line)
    if plan.paths(Action.REVIEW):
        _echo(
            f"{len(plan.paths(Action.REVIEW))} file(s) to review: scaffold has no record of what "
            "the template wrote there; compare each with a fresh `scaffold init` of the same "
            "answers (the next upgrade merges against today's template)"
        )
    _echo("next: scaffold generate && python -m pytest")


def _echo(line: str = "") -> None:
    sys.stdout.write(line + "\n")
