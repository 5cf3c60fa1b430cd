"""``secaudit serve``: the web application over the same core (DESIGN §10 "The served application").

Django (accounts, sessions, CSRF, ORM + migrations, uploads) served by cheroot (pure Python, runs
on Windows, TLS in-process). The data model stays the files the CLI reads: the data folder's
``inventory.yaml``, ``attestations/<agency>/<system>.yaml`` (+ evidence, ``.reviews.json``),
``bundles/``, ``keyring/``; the database holds accounts, sessions, submissions, revision history and
the hash-chained audit log. Layout and security notes: docs/web.md.
"""
