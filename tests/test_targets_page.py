"""/targets' filter form: the indicator list grouped by 指标类别 with the names a search
matches, filters that apply on change with a submit button for pages without JavaScript."""

from __future__ import annotations

import re
from html import unescape

from monitor.table import GROUP_RULES, OTHER_GROUP


def indicator_select(html: str) -> str:
    return re.search(r'<select name="indicator" id="im-indicator">(.*?)</select>', html,
                     re.S).group(1)


def groups(html: str) -> dict[str, list[tuple[str, str, str]]]:
    """optgroup label → [(value, data-words, text)]."""
    return {label: re.findall(r'<option value="([^"]+)" data-words="([^"]*)"[^>]*>([^<]+)'
                              r'</option>', body)
            for label, body in re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>',
                                          indicator_select(html), re.S)}


def test_indicators_are_grouped_by_their_category_in_the_rule_order(client):
    html = client.get("/targets").data.decode()
    found = groups(html)
    order = [name for name, _ in GROUP_RULES] + [OTHER_GROUP]
    assert list(found) == [g for g in order if g in found] and len(found) >= 4
    # every indicator of the table is offered once, under the group its rows show
    rows = re.findall(r'<a href="/targets\?indicator=([a-z0-9_]+)">[^<]+</a></td><td>([^<]+)</td>',
                      html)
    offered = {value: label for label, items in found.items() for value, _, _ in items}
    assert len(offered) == sum(len(items) for items in found.values())
    assert {i: g for i, g in rows} == {i: offered[i] for i, _ in rows}
    assert set(offered) == {i for i, _ in rows}


def test_an_indicator_carries_its_plan_wordings_for_the_search(client):
    found = groups(client.get("/targets").data.decode())
    words = {value: unescape(w).split("|") for items in found.values() for value, w, _ in items}
    assert "研发投入强度" in words["rd_intensity"]  # a variant of indicators.csv
    assert words["rd_intensity"][0] == "全社会研发投入占地区生产总值比重"


def test_the_form_applies_on_change_and_keeps_a_button_without_javascript(client):
    html = client.get("/targets?indicator=rd_intensity&sort=-completion").data.decode()
    form = re.search(r'<form class="im-filters" id="im-filters".*?</form>', html, re.S).group(0)
    assert re.search(r"<noscript><button type=\"submit\">筛选</button></noscript>", form)
    assert '<option value="rd_intensity" data-words=' in form and " selected>" in form
    assert '<input type="hidden" name="sort" value="-completion">' in form
    assert '<script src="/static/monitor/filters.js"></script>' in html
    assert 'id="im-indicator-search"' in form and "<label class=\"im-search\" hidden>" in form
    assert "README" not in html and "monitor/" not in re.sub(r'(src|href)="[^"]*"', "", html)
    with client.get("/static/monitor/filters.js") as script:
        assert script.status_code == 200 and b"form.submit()" in script.data
