"""Names of places in a plan's text: a run of words that ends with one of the name
endings of ``place_suffixes.csv`` (the ending gives the kind of place), cleaned of
the verbs and qualifiers that open a clause (``_LEAD_WORDS``); a run that is only a
class of places (重点实验室, 省级高新区) is not a name. What a name is, for every reader
of plans: places, partners, hosts and the parts of a structure.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

SUFFIX_FILE = Path(__file__).with_name("place_suffixes.csv")
NAME_MAX = 30
_BREAK = re.compile(r"[\s，。；：、！？,;:!?《》【】…／|\"—\-－+＋~～]")
_COUNT = re.compile(r"\d+\s?[家个大所座项批条](以上|左右)?")
# Verbs and qualifiers that open a clause before a name (推进…, 加快建设…).
_LEAD_WORDS = re.compile(
    r"(推进|推动|加快|加强|建设|打造|依托|支持|培育|围绕|发挥|提升|创建|建成|争创|争取|积极|深化|完善|构建|"
    r"组建|布局|引进|共建|新建|做强|做大|强化|聚焦|鼓励|引导|实施|全力|大力|"
    r"着力|谋划|申报|申建|获批|认定|成功|力争|对接|融入|带动|筹建|启动|高标准|高水平|"
    r"高质量|进一步|以及|包括|其中|依靠|借助|用好|放大|瞄准|面向|建立|设立|开展|加大|参与|"
    r"成为|形成|入选|跻身|认定为|获评|获得|拥有|已有|新增|累计|共有|全市|全省|我市|我省|扶持|坚持|"
    r"承载|探索|复制|推广|搭建|入驻|落户|创成|为一体|为特色|为主|为重点|抢抓|立足|明确|做实|做优|"
    r"现有|运营|进入|一批|助力|"
    r"组织|依法|指导|辅导|调研|修订|根据|结合|放宽|升格为|填补|引建|实现|备案|努力|落实|制定|赋予|"
    r"对标|挂任|关于|抢占|一系列|吸引|运行|升级为|提升为|转型为|更名为|”即以|”即|"
    r"串联|首个|首家|作为|[一二三四五六七八九十]是|"
    r"向|从|把|(?<!高)等|了|在|对|的|或)")
_LEAD_CHARS = "以在与和及对将把为到至的是等由家个同"
# Words that open a clause but also occur inside names: cut only at the run's start.
_PREFIX_WORDS = re.compile(r"^(\d{1,2}[.．、]|[（(][一二三四五六七八九十\d]{1,3}[）)]|建强|"
                           r"发展|促进|优化|联合|服务|合作|升级|重点|管理|成立|"
                           r"统筹规划|统筹|重组|千方百计|上|左右|以上)")
# "A和B", "A与B": a coordination when A ends like a place or a body.
_AND = re.compile(r"[和与及]")
_BODY_END = re.compile(r"(政府|大学|学院|企业|高校|院所|(?<!城)市|省|县|区|团队|平台|中心|"
                       r"基地|园区|高地|集群|实验室|研究院|研究所|走廊|空间|孵化器|支点|系统|体系|设施)$")
# A spatial structure written as counts of parts: 一区多园, 一道两区多节点, 三园三基地.
STRUCTURE = re.compile(
    r"(?:[一二两三四五六七八九十多](?:基地|中心|节点|区|园|廊|带|道|核|轴|片|城|港|心|点|谷|翼|环|圈|极|"
    r"群|组团|平台)){2,5}")
# Words that say what kind of place, not which one: a name needs more than these.
_GENERIC = re.compile(
    r"国家级|省级|市级|县级|各级|国家|省|市|县|区|重点|一批|一流|新型|各类|各个|现代|高水平|特色|专业|综合|"
    r"产业|科技|创新|技术|工程|企业|研发|公共|服务|高端|高新|农业|大型|重大|示范|先进|若干|多个|一个|"
    r"两个|一|二|三|四|五|六|七|八|九|十|百|千|万|家|个|级|及|以上|类|等|特色产业|新兴|未来|优势|骨干|"
    r"知名|高校|院所|科研|机构|功能|平台|载体|孵化|园区|基地|集聚|一体化|相关|有关|省内外|国内外|海外|"
    r"境外|国际|全国|地方|区域|城市|县域|各地|本地|当地|协同|离岸|中试|科普|实训|种养殖|世界级|"
    r"千亿级|百亿级|沿海|沿江|两|多|南北|东西|创业|双创|众创|火炬|制造业|成果|转化|应用|行业|"
    r"政府|博士后|实践|人才|信息技术|数字经济|全产业链|配套|生产|联合|实验|教育|培训|培养|转移|"
    r"大数据|数据|管理|休闲|金融|资源|共享|交易|信息|咨询|社会|智慧|云|一站式|开放|协同|产学研|合作|"
    r"研究型|基础学科|龙头|网上|性|型|化|战略性|支柱|主导|领域|行业|专业|高科技|原始|自主|驱动|发展|"
    r"传统|特定|统筹|规划|重组|成立|首批|地标|大型|全面|跨界|国内|我国|公众|快速|先行|要素|仪器设备|"
    r"设备|政务|数字化|临床|生产|加工|经济|引才引智|维权|检验检测|知识产权|评价|高效|院士|专家|"
    r"研究生|特派员|标杆|基层")


@lru_cache(maxsize=1)
def suffix_types() -> tuple[tuple[str, str], ...]:
    """(suffix, entity type) of ``place_suffixes.csv``, longest suffix first."""
    with SUFFIX_FILE.open(encoding="utf-8") as handle:
        rows = [(r["suffix"], r["type"]) for r in csv.DictReader(handle)]
    return tuple(sorted(rows, key=lambda r: -len(r[0])))


@lru_cache(maxsize=1)
def _suffix_pattern() -> re.Pattern:
    return re.compile("|".join(re.escape(s) for s, _ in suffix_types()))


def place_type(name: str) -> str | None:
    """The entity type of the longest suffix ``name`` ends with."""
    for suffix, kind in suffix_types():
        if name.endswith(suffix):
            if kind == "functional_area" and "自由贸易" in name:
                return "ftz_area"
            return kind
    return None


def clean_name(run: str) -> str:
    """The name in a run: the words after the last opening verb, qualifier or count,
    and after a bracket or quote the run opens without closing."""
    run = _after_unbalanced(run)
    cut = 0
    for pattern in (_LEAD_WORDS, _COUNT):
        for match in pattern.finditer(run):
            cut = max(cut, match.end())
    name = run[cut:]
    for match in _AND.finditer(name):
        if _BODY_END.search(name[:match.start()]) or place_type(name[:match.start()]):
            name = name[match.end():]
            break
    while True:
        stripped = _PREFIX_WORDS.sub("", name.lstrip(_LEAD_CHARS))
        if stripped == name:
            return _after_unbalanced(name)
        name = stripped


def _after_unbalanced(run: str) -> str:
    """The part of ``run`` after its last unmatched （ or ）, “ or ”."""
    for opening, closing in (("（", "）"), ("(", ")"), ("“", "”")):
        depth, cut = 0, 0
        for i, char in enumerate(run):
            if char == opening:
                depth += 1
            elif char == closing:
                if depth == 0:
                    cut = i + 1
                else:
                    depth -= 1
        run = run[cut:]
        last_open = run.rfind(opening)
        if last_open >= 0 and closing not in run[last_open:]:
            run = run[last_open + 1:]
    return run


def is_generic(name: str) -> bool:
    """True when the name is only a class of places (省级重点实验室, 产业技术研究院)."""
    suffix = next((s for s, _ in suffix_types() if name.endswith(s)), "")
    rest = _GENERIC.sub("", name[:len(name) - len(suffix)])
    return len(re.findall(r"[\u4e00-\u9fffA-Za-z0-9]", rest)) < 2


def name_runs(text: str, admin_led=None, keep_generic=False) -> list[tuple[int, int, str]]:
    """(start, end, name) of every named place in ``text``: ``text[start:end]`` is the
    name, or for names sharing one ending in a list (沭阳智能纺织、宿城激光装备科技产业园)
    the list the name is made of: items led by an administrative name
    (``admin_led(item)``), the last item right before the shared ending."""
    out = []
    for match in _suffix_pattern().finditer(text):
        if text[match.end():match.end() + 1] == "生":
            continue  # 大学生创业园: students, not a university
        window_start = max(match.end() - NAME_MAX, 0)
        window = text[window_start:match.end()]
        breaks = [b.end() for b in _BREAK.finditer(window)]
        run = window[breaks[-1] if breaks else 0:]
        name = clean_name(run)
        if name and admin_led is not None:
            name = _after_frame(name, admin_led)
        name = _joint(text, match.end() - len(name), name) if name else name
        if name and admin_led is not None:
            name = _two_places(text, match.end() - len(name), name, admin_led)
        if name and place_type(name) and (keep_generic or not is_generic(name)):
            out.append((match.end() - len(name), match.end(), name))
        if name and admin_led is not None:
            out.extend(_shared_ending(text, match.end() - len(name), match.end(), name,
                                      admin_led))
    return out


_JOINT = re.compile(r"联合|共建")
_PARTY_TYPES = ("research_institute", "university", "lab", "platform")


def _joint(text: str, start: int, name: str) -> str:
    """A joint platform named by its two parties joined by a dash (甲研究所—乙大学联合
    创新中心): the whole name, when the part before the dash is an institution."""
    if start < 2 or text[start - 1] not in "—－" or text[start - 2] in "—－" \
            or not _JOINT.search(name):
        return name
    before = text[max(start - 1 - _LIST_PART_MAX, 0):start - 1]
    breaks = [b.end() for b in _BREAK.finditer(before)]
    party = clean_name(before[breaks[-1] if breaks else 0:])
    if len(party) >= 3 and place_type(party) in _PARTY_TYPES:
        return party + text[start - 1] + name
    return name


def _two_places(text: str, start: int, name: str, admin_led) -> str:
    """A zone or corridor named by two places joined by a dash (甲—乙科技创新核心区,
    甲—乙新能源创新走廊): the whole name, when both parts open with an administrative name
    and the part before the dash is a bare place name."""
    if start < 2 or text[start - 1] not in "—－" or text[start - 2] in "—－" \
            or not admin_led(name):
        return name
    before = text[max(start - 1 - 8, 0):start - 1]
    breaks = [b.end() for b in _BREAK.finditer(before)]
    place = clean_name(before[breaks[-1] if breaks else 0:])
    if 2 <= len(place) and not place_type(place) and admin_led(place):
        return place + text[start - 1] + name
    return name


_FRAME = re.compile(r"以|由|在|向")


def _after_frame(name: str, admin_led) -> str:
    """The name after a frame word that an administrative name follows: 东翼以某县经济
    开发区(…为主) → 某县经济开发区; a word one character in (中以…创新园) is part of the name.
    A definition's 即 before an administrative name (“多园”：即某县农业科技园区) is cut."""
    if name.startswith("即") and admin_led(name[1:]) and not admin_led(name):
        return name[1:]
    for match in _FRAME.finditer(name):
        rest = name[match.end():]
        if match.start() >= 2 and len(rest) > 3 and admin_led(rest):
            return rest
    return name


_LIST_PART_MAX = 15
_HARD_BREAK = re.compile(r"[，。；：！？,;:!?\n（）()“”《》]")


def _shared_ending(text: str, start: int, end: int, name: str,
                   admin_led) -> list[tuple[int, int, str]]:
    """The names of a list whose items share the last item's class ending: 埇桥区、
    灵璧县、泗县 3 家省级农业科技园区 → 埇桥区省级农业科技园区, …"""
    tail = _generic_tail(name)
    before = text[max(start - 4 * _LIST_PART_MAX, 0):start]
    hard = [m.end() for m in _HARD_BREAK.finditer(before)]
    offset = start - len(before) + (hard[-1] if hard else 0)
    items = text[offset:start].split("、")
    last = _LIST_END.sub("", items[-1].replace(" ", ""))
    if len(items) < 2 or not tail or (last and not admin_led(clean_name(last))):
        return []  # the list is not of this name: 推进甲市、乙市、丙市建设…试验区
    out, at = [], offset
    for index, item in enumerate(items):
        span_start, at = at, at + len(item) + 1
        head = clean_name(_LIST_END.sub("", item.replace(" ", "")))
        if index == len(items) - 1 and (tail != name or not head):
            break  # the last item is the name itself
        if not 2 <= len(head) <= _LIST_PART_MAX or place_type(head) \
                or head.endswith(_PLACE_ENDS) or not admin_led(head):
            continue
        out.append((span_start, end, head + tail))  # a unit's own one: 泗县省级农业科技园区
    return out


_PLACE_ENDS = ("园", "城", "谷", "港")  # an item that names a park already (某某海创园)
_LIST_END = re.compile(r"(\d{1,3}\s?[家个所座项批条]?|等)+$")


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _generic_tail(name: str) -> str:
    """The longest ending of ``name`` made of class words and a place suffix only."""
    suffix = next((s for s, _ in suffix_types() if name.endswith(s)), "")
    for i in range(len(name) - len(suffix) + 1):
        if not _GENERIC.sub("", name[i:len(name) - len(suffix)]):
            return name[i:]
    return ""
