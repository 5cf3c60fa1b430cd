"""TLS probe: one sslyze scan of every target at once, turned into JSON-able observations.

Gathers facts only (protocols, suites, certificate chain, path validation, vulnerability tests,
sslyze's Mozilla verdict); secaudit/checks/tls judges them. sslyze is imported inside functions
so that `secaudit --help` stays fast.

- preflight.py: resolve, connect, one bounded TLS handshake per target (concurrently); a silent,
  stalling or non-TLS port is that target's error in at most 2 x --timeout;
- runner.py: sslyze, one Scanner per target in a daemon thread, read with deadlines and cancellation;
- observe.py: sslyze's result -> observation.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from secaudit.core.model import Target
from secaudit.probes.base import ProbeContext, run_parallel
from secaudit.probes.tls import legacy
from secaudit.probes.tls.observe import PROTOCOL_COMMANDS, Observation, observe, trace_text
from secaudit.probes.tls.preflight import preflight
from secaudit.probes.tls.runner import CONCURRENT_SERVERS, Incomplete, scan_one

__all__ = ["collect", "scan_commands", "PROTOCOL_COMMANDS", "observe", "trace_text"]

# Names other probes used before the split (secaudit/probes/mail.py's STARTTLS scan).
_observe = observe
_trace_text = trace_text

NETWORK_MAX_RETRIES = 2  # sslyze retries a timed-out TCP connect; the pre-flight connected already


def collect(targets: list[Target], context: ProbeContext) -> list[Observation]:
    """Scan every target with sslyze (all queued at once); one observation per target, same order."""
    if not targets:
        return []
    _quiet_warnings()
    say = context.progress
    out: list[Observation | None] = [None] * len(targets)

    pre = run_parallel(lambda t: preflight(t, context), targets, 16, context, name="tls-preflight")
    if context.cancelled():
        return [_base(t, None) | {"error": "cancelled"} for t in targets]
    todo: list[tuple[int, str | None]] = []
    for i, got in enumerate(pre):
        ip, err = got if got is not None else (None, "pre-flight did not finish")
        if err:
            out[i] = _base(targets[i], ip) | {"error": err}
            say(f"{targets[i].raw}: {err}")
        else:
            todo.append((i, ip))
    if todo:
        _scan(targets, todo, context, out)
    return [
        r if r is not None else _base(t, None) | {"error": "no result from sslyze"}
        for t, r in zip(targets, out, strict=True)
    ]


def _quiet_warnings() -> None:
    # Harmless: a bundled trust store has a root with a negative serial number (toolnotes).
    from cryptography.utils import CryptographyDeprecationWarning

    warnings.filterwarnings("ignore", category=CryptographyDeprecationWarning, message=".*serial number.*")


def scan_commands() -> set[Any]:
    from sslyze import ScanCommand

    return {
        ScanCommand.SSL_2_0_CIPHER_SUITES,
        ScanCommand.SSL_3_0_CIPHER_SUITES,
        ScanCommand.TLS_1_0_CIPHER_SUITES,
        ScanCommand.TLS_1_1_CIPHER_SUITES,
        ScanCommand.TLS_1_2_CIPHER_SUITES,
        ScanCommand.TLS_1_3_CIPHER_SUITES,
        ScanCommand.CERTIFICATE_INFO,
        ScanCommand.HEARTBLEED,
        ScanCommand.OPENSSL_CCS_INJECTION,
        ScanCommand.ROBOT,
        ScanCommand.SESSION_RENEGOTIATION,
        ScanCommand.TLS_COMPRESSION,
        ScanCommand.ELLIPTIC_CURVES,
        ScanCommand.TLS_FALLBACK_SCSV,
        ScanCommand.TLS_EXTENDED_MASTER_SECRET,
    }


def _scan(
    targets: list[Target],
    todo: list[tuple[int, str | None]],
    context: ProbeContext,
    out: list[Observation | None],
) -> None:
    from sslyze import (
        CertificateInfoExtraArgument,
        ScanCommandsExtraArguments,
        ServerNetworkConfiguration,
        ServerNetworkLocation,
        ServerScanRequest,
        ServerScanStatusEnum,
    )
    from sslyze.__version__ import __version__ as sslyze_version

    ca_file = context.ca_file
    extra = ScanCommandsExtraArguments(
        certificate_info=CertificateInfoExtraArgument(custom_ca_file=Path(ca_file)) if ca_file else None
    )
    commands = scan_commands()
    jobs: list[tuple[int, Any]] = []
    for i, ip in todo:
        t = targets[i]
        req = ServerScanRequest(
            server_location=ServerNetworkLocation(hostname=t.host, port=t.port, ip_address=ip),
            network_configuration=ServerNetworkConfiguration(
                tls_server_name_indication=t.host,
                network_timeout=context.timeout,  # type: ignore[arg-type]
                network_max_retries=NETWORK_MAX_RETRIES,
            ),
            scan_commands=commands,
            scan_commands_extra_arguments=extra,
        )
        jobs.append((i, req))

    mozilla_name = str(context.params.get("mozilla_config") or "intermediate")

    def one(job: tuple[int, Any]) -> None:
        i, req = job
        t = targets[i]
        try:
            res = scan_one(req, context)
        except Incomplete as exc:
            out[i] = _base(t, req.server_location.ip_address) | {"error": str(exc)}
            if not context.cancelled():
                context.progress(f"{t.raw}: {exc}")
            return
        except Exception as exc:  # sslyze itself broke on this server: its error, not the run's
            out[i] = _base(t, req.server_location.ip_address) | {"error": f"sslyze failed: {exc!r}"[:500]}
            context.progress(f"{t.raw}: {out[i]['error']}")
            return
        obs = _base(t, res.server_location.ip_address) | {"sslyze_version": sslyze_version}
        if res.scan_status != ServerScanStatusEnum.COMPLETED or res.scan_result is None:
            obs["error"] = trace_text(res.connectivity_error_trace) or "TLS connection failed"
            label = f"{t.raw}: {obs['error']}"
            if legacy.GIVES_UP in obs["error"] and obs["address"]:
                # no client finishes a handshake: read what the server offers (legacy.py)
                try:
                    seen = legacy.observation(t, obs["address"], context, obs["error"], mozilla_name)
                except Exception as exc:  # a bug on an odd server: sslyze's error stands, with ours
                    seen = None
                    obs["error"] += f" (first-flight reader: {type(exc).__name__}: {exc})"[:300]
                if seen is not None:
                    del obs["error"]
                    obs.update(seen)
                    label = f"{t.raw} (legacy handshake)"
        else:
            try:
                ca = str(ca_file) if ca_file else None
                obs.update(observe(res, mozilla_name, ca, crl_timeout=float(context.timeout)))
            except Exception as exc:  # a bug here must not stop the other targets
                obs["error"] = f"cannot read sslyze result: {type(exc).__name__}: {exc}"
            label = t.raw
        out[i] = obs
        context.progress(label)

    run_parallel(one, jobs, CONCURRENT_SERVERS, context, name="tls-scan")
    for i, req in jobs:
        if out[i] is None:  # cancelled, or a bug in one(): never a silent gap
            reason = "cancelled" if context.cancelled() else "no result from sslyze"
            out[i] = _base(targets[i], req.server_location.ip_address) | {"error": reason}


def _base(t: Target, ip: str | None) -> Observation:
    return {"host": t.host, "port": t.port, "address": ip, "sni": t.host}
