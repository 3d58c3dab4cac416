"""The leaf shared by the harness and the reference gateway: it imports neither.

Only what both sides need and neither may own: the error base (`errors`), the loopback-only dialers
(`netguard`) and by-value redaction primitives (`redaction`). Nothing here holds state between calls;
a `Redactor` is an object its owner creates and passes down.
"""
