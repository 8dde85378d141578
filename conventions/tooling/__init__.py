"""The repository's tool configuration (formatters, linters, test runners) and the *setting*
conventions it yields; a configured value wins over a measured one. Internal to
``conventions`` (its public surface is ``specpilot.conventions``)."""
