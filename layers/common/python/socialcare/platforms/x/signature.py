"""X webhook security: the CRC challenge and the POST signature (platforms.md §1.1-1.2).

Both are ``sha256=`` + base64(HMAC-SHA256(consumer secret, data)), computed over the
exact bytes received and compared in constant time.
"""

import base64
import hashlib
import hmac

from socialcare.errors import InvalidSignature

SIGNATURE_HEADER = "x-twitter-webhooks-signature"


def sign(consumer_secret: str, data: bytes) -> str:
    digest = hmac.new(consumer_secret.encode(), data, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def crc_response_token(consumer_secret: str, crc_token: str) -> str:
    return sign(consumer_secret, crc_token.encode())


def verify(consumer_secret: str, raw_body: bytes, signature: str | None) -> None:
    if not signature:
        raise InvalidSignature(f"missing {SIGNATURE_HEADER} header")
    if not hmac.compare_digest(sign(consumer_secret, raw_body).encode(), signature.encode()):
        raise InvalidSignature(f"{SIGNATURE_HEADER} does not match the body")
