"""DESIGN.md §4's check ids ("at least these"), by probe: one copy for every test that holds the
product to that table."""

from __future__ import annotations

SECTION4_IDS: dict[str, list[str]] = {
    "tls": [
        "tls.protocol.legacy_disabled",
        "tls.protocol.modern_enabled",
        "tls.cipher.weak_disabled",
        "tls.cipher.forward_secrecy",
        "tls.cert.trusted",
        "tls.cert.hostname",
        "tls.cert.validity",
        "tls.cert.key",
        "tls.cert.signature",
        "tls.vuln.heartbleed",
        "tls.vuln.ccs_injection",
        "tls.vuln.robot",
        "tls.renegotiation.secure",
        "tls.compression.disabled",
        "tls.mozilla.intermediate",
    ],
    "http": [
        "http.https_redirect",
        "http.hsts",
        "http.csp",
        "http.frame_options",
        "http.content_type_options",
        "http.referrer_policy",
        "http.cookies",
        "http.server_disclosure",
        "http.sensitive_paths",
    ],
    "ports": ["ports.risky_services", "ports.unexpected_open"],
}
