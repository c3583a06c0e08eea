"""Reading the CloudWatch metrics a function printed (EMF documents on stdout)."""

import json


def emf(out: str) -> dict[str, list[tuple[float, dict[str, str]]]]:
    """Metric name -> (value, dimensions) from the EMF documents printed to stdout."""
    found: dict[str, list[tuple[float, dict[str, str]]]] = {}
    for line in out.splitlines():
        if '"_aws"' not in line:
            continue
        doc = json.loads(line)
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            dims = {d: doc[d] for group in directive["Dimensions"] for d in group}
            for metric in directive["Metrics"]:
                value = doc[metric["Name"]]
                for v in value if isinstance(value, list) else [value]:
                    found.setdefault(metric["Name"], []).append((float(v), dims))
    return found
