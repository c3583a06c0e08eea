"""The JSON APIs the pipeline calls most, answered by moto's response classes directly.

moto's server routes every request through its domain dispatcher (which takes a global lock
to find the service from the signature) and a Flask app per service (URL map, request
context, CORS hook) before the response class's ``dispatch`` does the work. For a DynamoDB,
SQS or Step Functions call (a POST to ``/`` naming its operation in ``X-Amz-Target``) that
route is always the same, and in a burst it was about a tenth of the embedded AWS's CPU.
Here those calls go straight to ``dispatch`` with the same normalised request and the same
Flask ``Response`` that moto's view wrapper (``convert_to_flask_response.__call__``, pinned
in ``tests/tools/test_moto_direct.py``) builds; everything else takes moto's route.
"""

from collections.abc import Callable, Iterable
from typing import Any

from flask import Response
from moto.core.request import Request
from moto.dynamodb.responses import DynamoHandler
from moto.moto_api import recorder
from moto.sqs.responses import SQSResponse
from moto.stepfunctions.responses import StepFunctionResponse

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# The X-Amz-Target prefix of each API, and the class moto's URL map sends "/" to.
DIRECT = {
    "DynamoDB_20120810": DynamoHandler.dispatch,
    "AmazonSQS": SQSResponse.dispatch,
    "AWSStepFunctions": StepFunctionResponse.dispatch,
}


class ServerRequest(Request):
    """As moto's Flask request class says of itself: it came through a real server."""

    from_wsgi_server = True


class DirectJsonApis:
    """WSGI: DynamoDB, SQS and Step Functions calls to moto's handlers, the rest to moto."""

    def __init__(self, moto_app: WsgiApp):
        self.moto_app = moto_app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        dispatch = self._handler(environ)
        if dispatch is None:
            return self.moto_app(environ, start_response)
        request = ServerRequest(environ)
        recorder._record_request(request)
        result = dispatch(request, request.raw_url, dict(request.headers))
        status, headers, content = result if len(result) == 3 else (200, {}, result)
        return Response(response=content, status=status, headers=headers)(environ, start_response)

    @staticmethod
    def _handler(environ: dict[str, Any]) -> Callable[..., Any] | None:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != "/":
            return None
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        return DIRECT.get(target.split(".", 1)[0]) if "." in target else None
