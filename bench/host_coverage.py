"""Level-3 requirements with automated evidence (any check mapped: partial or auto), per catalogue,
without and with the host.* checks (issue 14): `python bench/host_coverage.py`."""

from __future__ import annotations

from secaudit.config.catalog import applicable, load_profile


def main() -> None:
    for name in ("level3", "tcvn14423-level3"):
        rows = [req for req, _t in applicable(load_profile(name))]
        with_any = [r for r in rows if r.checks]
        without_host = [r for r in rows if any(not c.startswith("host.") for c in r.checks)]
        kinds = {k: sum(1 for r in rows if r.kind == k) for k in ("manual", "partial", "auto")}
        print(
            f"{name}: {len(rows)} level-3 requirements; with a check: {len(without_host)} without host "
            f"evidence -> {len(with_any)} with it; kinds now {kinds}"
        )


if __name__ == "__main__":
    main()
