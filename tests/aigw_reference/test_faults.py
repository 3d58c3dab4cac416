"""Each fault breaks its one rule (observed over HTTP), and the older era differs as PROTOCOL.md says."""

from __future__ import annotations

import pytest

from aigw_conformance.targets.reference_process import start_reference
from .ref_helpers import ANTHROPIC_MSG, GOV, OPENAI_CHAT, Api, chat_body, hdr, msg_body, tracking

GROUPS = {
    "f1": ["accept-expired", "accept-session-token-header", "ignore-byok-guard", "leak-token-upstream",
           "bearer-case-sensitive", "500-on-long-token"],
    "f2": ["id-only", "status-401", "cache-authorizations", "admit-suspended", "forward-user-key-centralized"],
    "f3": ["prefix-compare", "accept-revoked", "governance-fallback", "api-key-before-authorization"],
}


@pytest.fixture(scope="module", params=sorted(GROUPS) + ["older"])
def faulty(request, tmp_path_factory):
    name = request.param
    kw = {"era": "older"} if name == "older" else {"faults": GROUPS[name]}
    with start_reference(tmp_path_factory.mktemp(name), proxy=False, **kw) as ref, Api(ref.state) as api:
        yield name, api


def code(api, headers, path=OPENAI_CHAT, base=None, body=None):
    return api.send(path, headers, json=body or chat_body(tracking()), base=base).status_code


def test_fault(faulty):
    name, api = faulty
    assert api.state["faults"] == sorted(GROUPS.get(name, []))
    tok = api.mint()
    kid, sec = tok.split("-")
    if name == "f1":
        assert code(api, {"Authorization": f"Bearer {api.mint(lifetime=1)}"}) == 200
        assert code(api, {"Coder-Session-Token": tok}) == 200
        assert code(api, {GOV: tok}, base=api.state["endpoints"]["byok-disabled"]) == 200
        trk = tracking()
        assert code(api, {"Authorization": f"Bearer {tok}"}, body=chat_body(trk)) == 200
        assert hdr(api.upstream(trk)[0], "authorization") == [f"Bearer {tok}"]
        assert code(api, {"Authorization": f"bearer {tok}"}) == 400
        assert code(api, {"Authorization": "Bearer " + "a" * 2000}) == 500
    elif name == "f2":
        assert code(api, {"Authorization": f"Bearer {kid}-{'Q' * 22}"}) == 200
        assert code(api, {"Authorization": f"Bearer {'Q' * 10}-{sec}"}) == 401
        assert code(api, {"Authorization": f"Bearer {tok}"}) == 200
        assert api.rest("DELETE", f"/api/v2/users/member/keys/{kid}").status_code == 204
        assert code(api, {"Authorization": f"Bearer {tok}"}) == 200       # cached
        user = api.new_user(status="suspended")
        assert code(api, {"Authorization": f"Bearer {api.mint(user)}"}) == 200
        tok2, trk = api.mint(), tracking()
        assert code(api, {"Authorization": f"Bearer {tok2}", "X-Api-Key": "sk-user"}, ANTHROPIC_MSG,
                    body=msg_body(trk)) == 200
        assert hdr(api.upstream(trk)[0], "x-api-key") == ["sk-user"]
    elif name == "f3":
        assert code(api, {"Authorization": f"Bearer {tok[:-1]}{'x' if tok[-1] != 'x' else 'y'}"}) == 200
        assert code(api, {GOV: f"{'Q' * 10}-{'Q' * 22}", "Authorization": f"Bearer {tok}"}) == 200
        assert code(api, {"X-Api-Key": tok, "Authorization": f"Bearer {'Q' * 10}-{'Q' * 22}"}) == 200
        assert api.rest("DELETE", f"/api/v2/users/member/keys/{kid}").status_code == 204
        assert code(api, {"Authorization": f"Bearer {tok}"}) == 200
    else:   # older era: no inactive-user check, X-Coder-Token read first
        user = api.new_user(status="suspended")
        assert code(api, {"Authorization": f"Bearer {api.mint(user)}"}) == 200
        assert code(api, {"X-Coder-Token": tok}) == 200
        assert code(api, {"X-Coder-Token": tok, GOV: f"{'Q' * 10}-{'Q' * 22}"}) == 200
        assert code(api, {"Authorization": f"Bearer {kid}-{'Q' * 22}"}) == 403


def test_faithful_reference_rejects_what_faults_admit(api, ref_state):
    """The same probes against the faithful reference: each one is rejected."""
    tok = api.mint()
    kid, _ = tok.split("-")
    assert code(api, {"Authorization": f"Bearer {api.mint(lifetime=1)}"}) == 403
    assert code(api, {"Coder-Session-Token": tok}) == 400
    assert code(api, {GOV: tok}, base=ref_state["endpoints"]["byok-disabled"]) == 403
    assert code(api, {"Authorization": "Bearer " + "a" * 2000}) == 403
    assert code(api, {"Authorization": f"Bearer {kid}-{'Q' * 22}"}) == 403
    assert code(api, {"Authorization": f"Bearer {tok[:-1]}{'x' if tok[-1] != 'x' else 'y'}"}) == 403
    assert code(api, {GOV: f"{'Q' * 10}-{'Q' * 22}", "Authorization": f"Bearer {tok}"}) == 403
    assert code(api, {"X-Coder-Token": tok}) == 400
    assert code(api, {"X-Api-Key": tok, "Authorization": f"Bearer {'Q' * 10}-{'Q' * 22}"}) == 403
