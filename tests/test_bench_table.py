"""`make bench` prints what a new request costs before what the response cache answers."""

from benchmarks import Result, format_table


def test_cached_figures_follow_the_new_requests_under_their_own_heading():
    results = [
        Result("api: bbox, one URL repeated (cache)", "requests/s", "req/s", 900, "tipg", 10),
        Result("api: bbox, each request new", "time", "ms", 2.0, "tipg", 9.0),
        Result("page /targets", "warm (response cache)", "s", 0.01, "bare WSGI", 0.001),
        Result("plan extraction", "time per 100 KB", "s", 0.1, "budget", 1.0, "9 plans"),
    ]
    text = format_table(results)
    heading = text.index("Answered from the response cache")
    assert text.index("each request new") < heading
    assert text.index("time per 100 KB") < heading
    assert text.index("one URL repeated (cache)") > heading
    assert text.index("warm (response cache)") > heading
    assert "* plan extraction: 9 plans" in text


def test_without_cached_figures_there_is_no_cache_heading():
    text = format_table([Result("plan extraction", "time per 100 KB", "s", 0.1, "budget", 1.0)])
    assert "response cache" not in text
    assert "0.1x" in text
