"""The local stack's helper processes (the embedded AWS, the queue consumers) share one
protocol: a first line on stdout says they are ready; closing their stdin ends them."""

import subprocess
import threading
from typing import Any


def first_line(process: "subprocess.Popen[Any]", seconds: float) -> str:
    """The first line the process writes, or "" if none comes within ``seconds``."""
    assert process.stdout is not None
    stdout = process.stdout
    answer: list[Any] = []
    reader = threading.Thread(target=lambda: answer.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(seconds)
    line = answer[0] if answer else ""
    return line.decode() if isinstance(line, bytes) else str(line)


def end(process: "subprocess.Popen[Any]", seconds: float) -> None:
    """Closes its stdin and waits ``seconds`` for it to end, then kills it."""
    try:
        if process.stdin is not None and not process.stdin.closed:
            process.stdin.close()
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
    finally:
        if process.stdout is not None:
            process.stdout.close()
