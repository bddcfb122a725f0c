"""Golden files are generated code, not tests: never collect anything below this folder."""

collect_ignore_glob = ["*"]
