"""Quotations from plans nest their own quotation marks as Chinese typesetting does."""

from geo.quotes import citation, quoted


def test_a_quote_inside_a_quotation_takes_single_marks():
    text = "按照“一道两区多节点”的空间结构"
    assert quoted(text) == "“按照‘一道两区多节点’的空间结构”"


def test_a_quotation_without_marks_is_only_enclosed():
    assert quoted("全社会研发投入占比达到2.2%") == "“全社会研发投入占比达到2.2%”"


def test_a_citation_names_plan_section_and_quote():
    assert citation("某市“十五五”科技创新规划", "一、总体要求", "建设“一核两翼”") == \
        "《某市“十五五”科技创新规划》一、总体要求：“建设‘一核两翼’”"
