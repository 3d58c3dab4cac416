"""A minimal valid suite, for the tests that need one (loader, commands, hostile-YAML bounds, discovery)."""

HEAD = """\
suite: sample
profile: core
scenarios:
"""  # scenarios start on line 4

GOOD_SCENARIO = """\
  - id: GOOD-ONE
    requirement: [AUTH-HTTP-001]
    requires: [provider:openai]
    tokens: {token: valid}
    steps:
      - request: {route: openai.chat, headers: {Authorization: "Bearer {{ token }}"}}
        expect: {status: 200}
"""
