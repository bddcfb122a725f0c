"""Project upgrades (DESIGN §9.6): re-render the project template with the recorded answers
and three-way merge every file against what the template rendered last.

    scaffold.upgrade.run.upgrade(dry_run=..., json_out=...)   # `scaffold upgrade`
    scaffold.upgrade.run.record_template(root)   # `scaffold init`: the bases of the first upgrade
    template_problem(root)          # `scaffold generate`: is the template new enough?

`generate` asks `template_problem` on every run, even one with nothing to do, so this package
imports only that; the upgrade itself (copier's rendering, the merges) lives in `run`.
See docs/regeneration.md ("Upgrades").
"""

from scaffold.upgrade.state import template_problem

__all__ = ["template_problem"]
