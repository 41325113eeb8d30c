"""Which indicator a plan's figure measures: the name as plans write it around the words
that say what is measured (their territory, the unit in brackets, an abbreviation, a wish
word run into the name) finds the indicator; other words do not."""

from pathlib import Path

import pytest

from ingest.plans.context import indicator_index
from ingest.plans.indicators import indicator_id

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def index():
    return indicator_index(str(DATA))


@pytest.mark.parametrize("name, unit, expected", [
    ("全市高新技术企业", "家", "hitech_enterprises"),
    ("全县高新技术企业", "家", "hitech_enterprises"),
    ("高新技术企业数量（家）", "家", "hitech_enterprises"),
    ("全市研究与试验发展（R&D）经费投入强度", "%", "rd_intensity"),
    ("研究与试验发展经费投入强度（%）", "%", "rd_intensity"),
    ("技术合同成交额力争", "亿元", "tech_contract_turnover"),
    ("技术合同成交额（亿元）", "亿元", "tech_contract_turnover"),
    ("每万人口高价值发明专利拥有量", "件", "hv_invention_patents_per_10k"),
    # synonyms plans of every region write for the same measures
    ("全社会研发经费投入强度", "%", "rd_intensity"),
    ("全市全社会研发经费投入强度力争", "%", "rd_intensity"),
    ("研究与试验发展（R&D）经费支出占地区生产总值比重", "%", "rd_intensity"),
    ("技术合同登记额（亿元）", "亿元", "tech_contract_turnover"),
])
def test_a_name_as_plans_write_it_finds_its_indicator(index, name, unit, expected):
    assert indicator_id(index, name, unit, "") == expected


@pytest.mark.parametrize("name, unit", [
    ("全市高新技术企业", "亿元"),              # another unit: another measure
    ("新增高新技术企业", "家"),                # an increment, not the stock
    ("高新技术企业（国家级）", "家"),           # words in brackets are not a unit
    ("全社会高新技术企业营业收入", "亿元"),      # 全社会 is no territory of a plan
    ("研发经费投入强度", "亿元"),              # a share is no sum
    ("技术交易额", "亿元"),                    # trade in technology is more than contracts
])
def test_other_words_find_no_indicator(index, name, unit):
    assert indicator_id(index, name, unit, "新增" if name.startswith("新增") else "") is None
