"""Validate OSCAL JSON files with compliance-trestle (NIST's OSCAL models as pydantic classes, plus
trestle's own validators: duplicate uuids, references, catalogue rules). Runs in trestle's own
virtualenv (.dev/trestle, made by ``scripts/setup.sh --dev``: its pins clash with secaudit's), so it
imports nothing of secaudit. Prints one JSON line per file: {"file", "ok", "model", "errors"}.

    .dev/trestle/bin/python tests/oscal_validate.py FILE...
"""

from __future__ import annotations

import json
import pathlib
import sys


class _Args:
    def __init__(self, mode: str) -> None:
        self.mode = mode


def validate(path: pathlib.Path) -> dict[str, object]:
    import pydantic
    from trestle.common import const
    from trestle.core.validator_factory import validator_factory  # first: it registers the validators
    from trestle.oscal import OSCAL_VERSION
    from trestle.oscal.assessment_results import AssessmentResults
    from trestle.oscal.catalog import Catalog

    models = {"catalog": Catalog, "assessment-results": AssessmentResults}
    out: dict[str, object] = {"file": str(path), "ok": False, "model": None, "errors": []}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        out["errors"] = [f"not JSON: {exc}"]
        return out
    keys = [k for k in doc if k in models] if isinstance(doc, dict) else []
    if len(keys) != 1 or len(doc) != 1:
        out["errors"] = [f"expected one top-level key of {sorted(models)}, got {sorted(doc)[:5]}"]
        return out
    out["model"] = keys[0]
    try:
        model = models[keys[0]].model_validate(doc[keys[0]])
    except pydantic.ValidationError as exc:
        out["errors"] = [f"{'/'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()][:40]
        return out
    validator = validator_factory.get(_Args(const.VAL_MODE_ALL))
    if not validator.model_is_valid(model, True, None):
        out["errors"] = [f"trestle validators: {validator.error_msg()}"]
        return out
    out["ok"] = True
    out["oscal_version"] = OSCAL_VERSION
    return out


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(json.dumps(validate(pathlib.Path(name)), ensure_ascii=False))
