"""The write stage: the only stage that touches the disk.

    plan = plan_writes(root, rendered, migration=..., snapshot=..., force=...)
    plan.diff() / plan.to_json() / plan.summary_lines()    # --dry-run, --json, the end report
    apply_plan(plan)                                        # atomic, manifest last
    check_tree(root, rendered, migration_pending=...)       # `scaffold check`
    recover(root)                                           # finish an interrupted batch

See docs/regeneration.md for what happens to each file.
"""

from scaffold.write.apply import ProgressHook, SimulatedCrash, apply_plan, recover
from scaffold.write.merge import MergeResult, has_conflict_markers, merge_text
from scaffold.write.plan import (
    Action,
    DiskOp,
    FileChange,
    Kind,
    WritePlan,
    check_tree,
    plan_destroy,
    plan_dropped_file,
    plan_file,
    plan_writes,
)
from scaffold.write.state import WriteError

__all__ = [
    "Action",
    "DiskOp",
    "FileChange",
    "Kind",
    "MergeResult",
    "ProgressHook",
    "SimulatedCrash",
    "WriteError",
    "WritePlan",
    "apply_plan",
    "check_tree",
    "has_conflict_markers",
    "merge_text",
    "plan_destroy",
    "plan_dropped_file",
    "plan_file",
    "plan_writes",
    "recover",
]
