"""extract: files in, per-file facts out (one lean libcst pass per file)."""
