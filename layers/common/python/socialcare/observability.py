"""The one Logger and Metrics of each function (service name from POWERTOOLS_SERVICE_NAME).

No Powertools Tracer: importing it costs ~95 ms of cold start (aws-local.md §7) and the
template's ``Tracing: Active`` already gives each invocation an X-Ray segment.
"""

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
metrics = Metrics()

__all__ = ["MetricUnit", "logger", "metrics"]
