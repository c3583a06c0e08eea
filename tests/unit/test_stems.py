"""Stemming from several threads at once: the local stack runs a function's invocations
side by side in one process, and each must get the stems it would get alone."""

import sys
import threading
from collections.abc import Iterator

import pytest

from socialcare.classification.stems import stems

TEXT = " ".join(
    ["доставка доставку заказы посылки возвраты"] * 100 + ["deliveries ordering refunded"] * 100
)
LANGUAGES = ("ru", "en", "hr")


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    """Switch threads every microsecond, so a shared stemmer would be caught mid-word."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


@pytest.mark.thorough  # thousands of forced thread switches
def test_threads_stemming_at_once_each_get_the_stems_of_their_own_text(
    frequent_thread_switches: None,
) -> None:
    alone = {language: stems(TEXT, language) for language in LANGUAGES}
    outcomes: list[object] = []

    def stem_repeatedly(language: str) -> None:
        for _ in range(10):
            try:
                outcomes.append(stems(TEXT, language) == alone[language])
            except Exception as exc:  # the failure under test is any exception
                outcomes.append(exc)

    threads = [threading.Thread(target=stem_repeatedly, args=(lang,)) for lang in LANGUAGES * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == [True] * 90
