"""Reports: pure compile (results → ConformanceReport), writing, the gate, expected failures."""
