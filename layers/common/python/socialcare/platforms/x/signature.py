"""X webhook security: the CRC challenge and the POST signature (platforms.md §1.1-1.2).

Both are ``sha256=`` + base64(HMAC-SHA256(consumer secret, data)), computed over the
exact bytes received and compared in constant time. Because the key is the same, the CRC
endpoint would sign any POST body an attacker sent it as a token: it answers only tokens
shaped like X's, and no JSON document has that shape.
"""

import base64
import hashlib
import hmac
import re

from socialcare.errors import InvalidSignature, MalformedPayload

SIGNATURE_HEADER = "x-twitter-webhooks-signature"

# X's tokens are short opaque strings: UUIDs in X's examples
# ("9b4507b3-9040-4669-9ca3-6b94edb50553"), base64 or base64url text, and the docs' test
# vector "challenge_string", at 16 characters the shortest known. The alphabet has no "{",
# quote, colon or space, so no JSON object (no delivery) is ever a token; 128 characters is
# far above any token seen and keeps a probe from making us hash kilobytes.
CRC_TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{16,128}")


def sign(consumer_secret: str, data: bytes) -> str:
    digest = hmac.new(consumer_secret.encode(), data, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def crc_response_token(consumer_secret: str, crc_token: str) -> str:
    if not CRC_TOKEN.fullmatch(crc_token):
        raise MalformedPayload(
            "crc_token must be 16 to 128 letters, digits or + / = _ - characters, as X sends"
        )
    return sign(consumer_secret, crc_token.encode())


def verify(consumer_secret: str, raw_body: bytes, signature: str | None) -> None:
    if not signature:
        raise InvalidSignature(f"missing {SIGNATURE_HEADER} header")
    if not hmac.compare_digest(sign(consumer_secret, raw_body).encode(), signature.encode()):
        raise InvalidSignature(f"{SIGNATURE_HEADER} does not match the body")
