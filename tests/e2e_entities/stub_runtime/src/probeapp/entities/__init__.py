"""Entity packages."""
