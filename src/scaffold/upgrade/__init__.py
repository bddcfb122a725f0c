"""Project upgrades (DESIGN §9.6): re-render the project template with the recorded answers
and three-way merge every file against what the template rendered last.

    upgrade(dry_run=..., json_out=...)      # `scaffold upgrade`
    record_template(root)                   # `scaffold init`: the bases of the first upgrade
    template_problem(root)                  # `scaffold generate`: is the template new enough?

See docs/regeneration.md ("Upgrades").
"""

from scaffold.upgrade.run import record_template, upgrade
from scaffold.upgrade.state import template_problem

__all__ = ["record_template", "template_problem", "upgrade"]
