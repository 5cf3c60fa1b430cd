"""XCCDF results as OpenSCAP (``oscap xccdf eval --results-arf`` / ``--results``) and DISA SCC write
them: an ARF asset-report-collection, a Benchmark holding a TestResult, or a bare TestResult.

Parsed with defusedxml over the standard library's ElementTree (``forbid_dtd``: no DTD, no entity,
no external reference: XXE and entity expansion are refused before any expansion). Every problem is
an InputError naming the file: the caller writes nothing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from secaudit.core.errors import InputError

XCCDF_NS = ("http://checklists.nist.gov/xccdf/1.2", "http://checklists.nist.gov/xccdf/1.1")
ARF_NS = "http://scap.nist.gov/schema/asset-reporting-format/1.1"
AI_NS = "http://scap.nist.gov/schema/asset-identification/1.1"
RESULTS = ("pass", "fail", "error", "unknown", "notapplicable", "notchecked", "notselected")
RESULTS += ("informational", "fixed")
# The same rule's results, worst first: several rule-results for one idref (multi-check) keep the worst.
_WORST = ("fail", "error", "unknown", "notchecked", "pass", "fixed", "informational", "notapplicable")
_WORST += ("notselected",)
RULE_PREFIX = "xccdf_org.ssgproject.content_rule_"
VALUE_PREFIX = "xccdf_org.ssgproject.content_value_"
MAX_RULE_RESULTS = 20000
# Elements per file: a full ARF of the Debian 12 data stream has ~65 000; 5 million empty ones cost
# ~15 s and ~480 MB to build and walk.
MAX_ELEMENTS = 1_000_000
_FACT = "urn:xccdf:fact:"
_CPE_OS = re.compile(r"^cpe:/o:([a-z0-9_]+):([a-z0-9_]+):([0-9][0-9.]*)")
_OS_NAMES = {"debian_linux": "debian", "ubuntu_linux": "ubuntu", "enterprise_linux": "rhel"}


def parse_xml(data: bytes, path: Path) -> Element:
    """The document's root; hostile or broken XML -> InputError (nothing expanded, nothing fetched,
    at most MAX_ELEMENTS elements built)."""
    import defusedxml
    from defusedxml.ElementTree import DefusedXMLParser

    class Capped(TreeBuilder):
        count = 0

        def start(self, tag: Any, attrs: Any) -> Element:
            self.count += 1
            if self.count > MAX_ELEMENTS:
                raise InputError(
                    f"XML quá {MAX_ELEMENTS} phần tử: không phải kết quả máy chủ / "
                    f"XML of more than {MAX_ELEMENTS} elements: not a host result",
                    path,
                )
            return super().start(tag, attrs)

    try:
        parser = DefusedXMLParser(
            target=Capped(), forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        parser.feed(data)
        return parser.close()
    except defusedxml.DTDForbidden:
        raise InputError(
            "từ chối XML có DTD / XML with a DTD refused (XXE / entity expansion)", path
        ) from None
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise InputError("từ chối XML có thực thể / XML with entities refused", path) from None
    except defusedxml.DefusedXmlException as exc:
        raise InputError(f"từ chối XML / XML refused: {type(exc).__name__}", path) from None
    except ParseError as exc:
        raise InputError(f"XML hỏng / not well-formed XML: {exc}", path) from None
    except (ValueError, RecursionError) as exc:
        raise InputError(f"không đọc được XML / unreadable XML: {type(exc).__name__}", path) from None


def _local(tag: Any) -> tuple[str, str]:
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


def _children(el: Element, name: str) -> list[Element]:
    return [c for c in el if _local(c.tag)[1] == name and _local(c.tag)[0] in XCCDF_NS]


def find_test_result(root: Element, path: Path) -> tuple[Element, str, Element | None]:
    """(TestResult, format, ARF root or None) for the three shapes; anything else -> InputError."""
    ns, name = _local(root.tag)
    if ns == ARF_NS and name == "asset-report-collection":
        found = [e for e in root.iter() if _local(e.tag) in ((n, "TestResult") for n in XCCDF_NS)]
        if not found:
            raise InputError("ARF không có kết quả XCCDF / ARF without an XCCDF TestResult", path)
        return found[-1], "arf", root
    if ns in XCCDF_NS and name == "Benchmark":
        results = _children(root, "TestResult")
        if not results:
            raise InputError(
                "XCCDF Benchmark không có TestResult (không phải tệp kết quả) / "
                "XCCDF Benchmark without a TestResult (not a results file)",
                path,
            )
        return results[-1], "xccdf-benchmark", None
    if ns in XCCDF_NS and name == "TestResult":
        return root, "xccdf-testresult", None
    shown = f"{{{ns}}}{name}" if ns else name
    raise InputError(
        f"không phải kết quả ARF hay XCCDF / not an ARF or XCCDF result (root element {shown[:120]!r})", path
    )


def cpe_os(cpe: str) -> str:
    """``cpe:/o:debian:debian_linux:12`` -> ``debian-12`` ("" when not an OS CPE)."""
    m = _CPE_OS.match(cpe.strip().lower())
    if not m:
        return ""
    return f"{_OS_NAMES.get(m.group(2), m.group(2))}-{m.group(3)}"


def _engine(tr: Element, facts: dict[str, list[str]]) -> tuple[str, str]:
    name = (facts.get("scanner:name") or [""])[0]
    version = (facts.get("scanner:version") or [""])[0]
    system = tr.get("test-system") or ""
    parts = system.split(":")
    product = parts[3].lower() if len(parts) > 3 else ""
    if not version and len(parts) > 4:
        version = parts[4]
    text = f"{name} {product}".lower()
    if "openscap" in text:
        return "openscap", version
    if "scc" in text.split() or "compliance checker" in text or product == "scc":
        return "scc", version
    return "xccdf", version


def _asset_names(arf: Element | None) -> list[str]:
    if arf is None:
        return []
    return [
        (e.text or "").strip()
        for e in arf.iter()
        if _local(e.tag) in ((AI_NS, "fqdn"), (AI_NS, "hostname")) and (e.text or "").strip()
    ]


def normalise(root: Element, path: Path) -> dict[str, Any]:
    """The record of one XCCDF result (see probes/host/normalise.py for the shape)."""
    tr, fmt, arf = find_test_result(root, path)
    end = tr.get("end-time")
    if not end:
        raise InputError("thiếu thời điểm quét / TestResult has no end-time (when did it run?)", path)
    facts: dict[str, list[str]] = {}
    for tf in _children(tr, "target-facts"):
        for f in _children(tf, "fact"):
            key = (f.get("name") or "").removeprefix(_FACT).removeprefix("asset:identifier:")
            facts.setdefault(key, []).append((f.text or "").strip())
    engine, version = _engine(tr, facts)
    bench = next(iter(_children(tr, "benchmark")), None)
    bench_id = bench.get("id") if bench is not None else None
    if not bench_id and _local(root.tag)[1] == "Benchmark":
        bench_id = root.get("id")
    profile = next(iter(_children(tr, "profile")), None)
    platforms = [p.get("idref") or "" for p in _children(tr, "platform")]
    results: dict[str, str] = {}
    counts: dict[str, int] = {}
    rule_results = _children(tr, "rule-result")
    if len(rule_results) > MAX_RULE_RESULTS:
        raise InputError(
            f"quá {MAX_RULE_RESULTS} kết quả quy tắc: không phải kết quả máy chủ / "
            f"more than {MAX_RULE_RESULTS} rule results: not a host result",
            path,
        )
    for rr in rule_results:
        idref = rr.get("idref") or ""
        res = next(iter(_children(rr, "result")), None)
        value = (res.text or "").strip() if res is not None else ""
        if not idref or value not in RESULTS:
            raise InputError(
                f"rule-result {idref[:80]!r} không có kết quả hợp lệ / "
                f"rule-result {idref[:80]!r} has no valid result ({value[:20]!r})",
                path,
            )
        rid = idref.removeprefix(RULE_PREFIX)
        if rid in results and _WORST.index(results[rid]) < _WORST.index(value):
            value = results[rid]  # a multi-check rule: one result per check, the worst one counts
        results[rid] = value
        counts[value] = counts.get(value, 0) + 1
    set_values = {
        (sv.get("idref") or "").removeprefix(VALUE_PREFIX): (sv.text or "").strip()
        for sv in _children(tr, "set-value")
        if sv.get("idref")
    }
    targets = [(t.text or "").strip() for t in _children(tr, "target")]
    # The TestResult's own names decide; the ARF's asset list only when the result names no host
    # (it may list other machines: it must not vouch for a result about one of them).
    names = [n for n in (*facts.get("fqdn", []), *facts.get("host_name", []), *targets) if n]
    names = names or _asset_names(arf)
    return {
        "engine": engine,
        "engine_version": version,
        "format": fmt,
        "benchmark": bench_id or "",
        "content_version": tr.get("version") or "",
        "profile": profile.get("idref", "") if profile is not None else "",
        "started_at": tr.get("start-time") or "",
        "ran_at": end,
        "os": next((o for o in map(cpe_os, platforms) if o), ""),
        "container": False,  # judged from the results (checks/host/judge.py): XCCDF does not say
        "names": list(dict.fromkeys(n.lower() for n in names if n)),
        "addresses": list(dict.fromkeys(facts.get("ipv4", []) + facts.get("ipv6", []))),
        "counts": counts,
        "results": results,
        "set_values": set_values,
    }
