"""The measures: each reads one file (``syntax.SourceFile``) and records ``family=variant``
observations into a ``collect.Collector``; ``conventions.facts`` runs them all. Internal to
``conventions`` (its public surface is ``specpilot.conventions``)."""
