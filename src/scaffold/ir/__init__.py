"""Resolve stage: all specs of a project → one frozen `Schema` (see `model`)."""
