"""archlint: how a Python code base really behaves - monolith, generic services or
microservices - with evidence, and where it could be split."""

__version__ = "0.1.0"
