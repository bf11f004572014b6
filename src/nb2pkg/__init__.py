"""nb2pkg: turn an exploratory Jupyter notebook into a Python package."""

__version__ = "0.1.0"
