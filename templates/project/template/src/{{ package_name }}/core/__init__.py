"""Runtime pieces every entity module relies on: results, errors, pagination, types, security."""
