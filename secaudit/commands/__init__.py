"""CLI sub-commands, one module each; every module exports ``COMMANDS`` (click commands).

Modules import only click and light secaudit modules at import time, so that ``secaudit --help``
stays fast; probes (sslyze, nmap) are imported inside the command functions.
"""
