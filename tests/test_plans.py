from pathlib import Path

import pytest

from layers.plans import load_plans, plan_text, reading_text, section_of

DATA = Path(__file__).resolve().parents[1] / "data"
SUZHOU = "001_7675cb991152f466"

WRAPPED = """一、总体思路

（一）培育良好创新生态，激发全社会创新创业活力

不断完善科技创新政策法规，使科技与金融结合更加紧

密，创新创业服务更加高效便捷。全市共引进培养各类人才

2.3 万余人，其中领军型人才 24 人。完善科研经费管理与

12

8 省级及以上科技企业孵化器、众创空间(家) 15

项目资金管理，赋予高校更大自主权。

1.完善科技创新政策体系。
"""


def test_unwrap_joins_paragraphs_and_keeps_headings_and_table_rows_apart():
    assert reading_text(WRAPPED, unwrap=True).splitlines() == [
        "一、总体思路",
        "（一）培育良好创新生态，激发全社会创新创业活力",
        "不断完善科技创新政策法规，使科技与金融结合更加紧密，创新创业服务更加高效便捷。"
        "全市共引进培养各类人才2.3 万余人，其中领军型人才 24 人。完善科研经费管理与"
        "项目资金管理，赋予高校更大自主权。",
        "8 省级及以上科技企业孵化器、众创空间(家) 15",
        "1.完善科技创新政策体系。",
    ]


def test_unwrap_leaves_unwrapped_plans_alone():
    raw = "[bookmark: _Toc1]一、发展基础\n\n12\n"
    assert reading_text(raw, unwrap=False) == "一、发展基础\n\n12\n"


def test_suzhou_reading_text_has_no_page_numbers_inside_sentences():
    text = plan_text(DATA, SUZHOU)
    assert "科技成果登记达到 3000 项，组建省级及以上各类创新平台 30 家" in text
    assert "完善科研项目资金管理" in text
    assert "\n（一）培育良好创新生态，激发全社会创新创业活力\n" in text
    assert "\n3 高新技术企业数（家） 300\n" in text
    assert not any(line.strip().isdigit() for line in text.splitlines())


def test_section_of_gives_the_enclosing_headings():
    text = ("一、发展基础\n（一）主要目标\n到2025年，全市高企达到300家。\n"
            "1. 机电装备产业。立足高端化。\n专栏1：预期指标\n\t全社会研发投入\n\t2.2\n"
            "二、主要任务\n正文。\n")
    assert section_of(text, "全市高企达到300家") == "一、发展基础 > （一）主要目标"
    assert section_of(text, "立足高端化") == "一、发展基础 > （一）主要目标 > 1. 机电装备产业"
    assert section_of(text, "2.2") == "一、发展基础 > （一）主要目标 > 专栏1：预期指标"
    assert section_of(text, "正文") == "二、主要任务"
    with pytest.raises(ValueError, match="quote not in text"):
        section_of(text, "不在文中")


def test_section_of_real_plan():
    text = plan_text(DATA, "003_4e3fe20dd1e81567")
    assert section_of(text, "万人高价值发明专利拥有量达6件") == (
        "一、把握新形势新使命，迈向高质量发展新台阶 > （五）发展目标 > 1．科技创新综合实力大幅提升")


@pytest.mark.parametrize("plan_id", sorted(load_plans(DATA)))
def test_registry_states_only_what_the_text_states(plan_id):
    plan = load_plans(DATA)[plan_id]
    text = plan_text(DATA, plan_id)
    assert plan.region_adcode.isdigit() and len(plan.region_adcode) == 6
    for field in (plan.issuer, plan.doc_number):
        assert field is None or field in text
    if plan.date:
        parts = [int(p) for p in plan.date.split("-")]
        written = f"{parts[0]}年{parts[1]}月" + (f"{parts[2]}日" if len(parts) == 3 else "")
        assert written in text
    if plan.title not in text:
        quoted = plan.note.split("“", 1)[1].rsplit("”", 1)[0].rstrip("…")
        assert quoted in text, "a title not in the text must cite where it comes from"


def test_unknown_plan_is_named():
    with pytest.raises(KeyError, match="no-such-plan"):
        plan_text(DATA, "no-such-plan")
