"""Probes gather observations (I/O only, no verdicts): tls (sslyze), http (requests), ports (nmap)."""
