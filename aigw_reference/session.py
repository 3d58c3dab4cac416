"""Coder's ordinary API authentication (httpmw.APITokenFromRequest + ExtractAPIKey) for the REST API.

Unlike the data plane, this accepts cookie, query, Coder-Session-Token and Bearer, updates last_used and
slides expiry (AUTH-LIFECYCLE-003).
"""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request

from . import tokens
from .goerrors import json_error
from .store import Store, User, fmt, now

SESSION_COOKIE = "coder_session_token"
HOUR = timedelta(hours=1)


def token_from_request(request: Request) -> str:
    for value in (request.cookies.get(SESSION_COOKIE), request.query_params.get(SESSION_COOKIE),
                  request.headers.get("coder-session-token")):
        if value:
            return value
    fields = request.headers.get("authorization", "").split()
    if len(fields) == 2 and fields[0].lower() == "bearer":
        return fields[1]
    return request.query_params.get("access_token", "")


def authenticate(request: Request, store: Store):
    """Returns the calling User, or an error Response (401) in Coder's JSON format."""
    token = token_from_request(request)
    if not token:
        return json_error(401, f'Cookie "{SESSION_COOKIE}" or query parameter must be provided.')
    parts = tokens.split(token)
    if parts is None:
        return json_error(401, "Invalid API key format: " + ("token is malformed"))
    key = store.key(parts[0])
    if key is None or not tokens.validate_hash(key.hashed_secret, parts[1]):
        return json_error(401, "API key secret is invalid." if key else "API key is invalid.")
    t = now()
    if key.expires_at < t:
        return json_error(401, "API key expired.")
    user = store.user_by_id(key.user_id)
    if user is None or user.deleted:
        return json_error(401, "API key is invalid.")
    if user.status == "suspended":
        return json_error(401, "Account is suspended.")
    cols = {"last_used": fmt(t)}
    lifetime = timedelta(seconds=key.lifetime_seconds)
    if key.expires_at - t <= lifetime - HOUR:
        cols["expires_at"] = t + lifetime
    store.update_key(key.id, **cols)
    if user.status == "dormant":   # normal API use reactivates a dormant user (AUTH-DOC-002)
        store.set_user(user.id, status="active")
        user = store.user_by_id(user.id)
    return user


def resolve_user(ref: str, caller: User, store: Store) -> User | None:
    """`{user}` is an id, a username or `me`."""
    if ref == "me":
        return caller
    return store.user_by_id(ref) or store.user_by_name(ref)
