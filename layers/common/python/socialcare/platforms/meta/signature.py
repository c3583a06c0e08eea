"""Meta webhook security (docs/platforms-meta.md): the subscription handshake and the POST
signature.

Every POST carries ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed
with the app secret>``; it is checked in constant time before a byte of the body is parsed.
The handshake (GET) echoes ``hub.challenge`` only when ``hub.verify_token`` is ours, and only
a challenge shaped as Meta sends it (digits; short), so the endpoint reflects nothing an
attacker chooses and says nothing about the token but yes or no.
"""

import hashlib
import hmac
import re

from socialcare.errors import ForbiddenSender, InvalidSignature, MalformedPayload

SIGNATURE_HEADER = "x-hub-signature-256"
# Meta's challenges are integers ("1158201444" in its examples); letters are allowed so a
# change of Meta's format does not lock us out, never markup or spaces.
CHALLENGE = re.compile(r"[A-Za-z0-9_-]{1,64}")
SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")


def sign(app_secret: str, raw_body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verify(secrets: list[str], raw_body: bytes, header: str | None) -> None:
    """The body signed with one of ``secrets`` (each compared in constant time)."""
    if not header:
        raise InvalidSignature(f"missing {SIGNATURE_HEADER} header")
    found = SIGNATURE.fullmatch(header.strip())
    given = (found.group(1).lower() if found else "").encode()
    matches = [
        hmac.compare_digest(sign(secret, raw_body)[len("sha256=") :].encode(), given)
        for secret in secrets
    ]
    if not any(matches):
        raise InvalidSignature(f"{SIGNATURE_HEADER} does not match the body")


def answer_handshake(
    verify_token: str, mode: str | None, token: str | None, challenge: str | None
) -> str:
    """The challenge to echo; refused unless the mode is ``subscribe`` and the token ours."""
    if mode != "subscribe" or not hmac.compare_digest(
        (token or "").encode(), verify_token.encode()
    ):
        raise ForbiddenSender("wrong verify token or mode")
    if challenge is None or not CHALLENGE.fullmatch(challenge):
        raise MalformedPayload("hub.challenge must be 1 to 64 letters or digits, as Meta sends")
    return challenge
