"""Diagrams of a Report at five levels (service, cluster, package, module, function), as
DOT, SVG / PNG / PDF (through Graphviz's ``dot``), Mermaid or a JSON graph.

``build.build_diagram`` turns a Report into a ``Diagram`` (pure); ``build.render`` turns a
Diagram into the bytes of one format. This package's top stays light (no networkx, no
graphviz) so that the CLI can offer its choices without slowing ``--help``.
docs/diagrams.md is the user's guide.
"""
