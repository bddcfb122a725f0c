"""scaffold: YAML entity specs → secure, tested backend modules, kept in step as specs change.

The public surface is small: `__version__` here, and the pipeline functions in
`scaffold.pipeline` (`load_specs`, `resolve`, `generate`, `check`).
"""

__version__ = "0.1.0"
