"""The project's library: modules that import no app (import-linter's contract), used by
the wiring in cybergate/ and by every app."""
