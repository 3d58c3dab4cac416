"""The embedded reference AI Gateway (PROTOCOL.md, newest era by default; `--era older` selectable).

Reached by the harness only over HTTP, in its own process (docs/architecture.md, Seams 1 and 2):

    python -m aigw_reference serve --state-file PATH [--config F.yaml] [--fault NAME]... [--era newest|older]
                                   [--host 127.0.0.1] [--port 0] [--proxy/--no-proxy] [--proxy-allow-port N]...
    python -m aigw_reference canary [--port N]

The harness starts it with `aigw_conformance.targets.reference_process.start_reference` and reads
the state file; it never imports this package, and this package imports only `aigw_common`.

Modules: config (ReferenceConfig), faults (registry), store (SQLite), tokens, authorize (IsAuthorized),
extract (ExtractAuthToken), goerrors (TEXT/JSON bodies), dataplane/ (AUTH-HTTP-006 chain, ServeHTTP,
credentials, forwarding), session + restapi (Coder REST API), canary, app, server, cli.
"""
