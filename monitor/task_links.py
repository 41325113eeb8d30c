"""Which targets a plan's task serves, by what the task says: precise, reviewable links.

A task is linked to a target of its region when its text (重点工作 and 目标任务) names
the target's indicator: the terms it states (parts of the indicator's name or of one
of its aliases, ``variants`` of ``data/kb/indicators.csv``, that read as terms) cover
at least half of one of the indicator's *cores*. A core is a name without what says
the measure rather than the thing measured (:func:`core`): the denominator of a share
(“…占地区生产总值比重”), the measure's own word at the end (比重, 强度, 建有率, 数, 额…),
a per-capita or whole-area lead (每万人, 全社会), a note in brackets; a name listing
things (“众创空间、科技企业孵化器”) has each listed thing as a core too. So “研发” names
half of 研发投入 (全社会研发投入占地区生产总值比重), “高新技术企业” all of 高新技术企业数.

Where the terms come from: a part of an indicator's words counts as a term when it is
a whole name or alias, or is shared by two or more indicators' words and stands on its
own (accessor variety), does not begin or end with a grammatical or counting
character, and is not common (in more than a fifth of the plan's tasks or of the
indicators), nor a word of :data:`POLICY_WORDS` or :data:`MEASURE_WORDS`. Three rules
keep a term to what it names in the task:

- a two-character term that is only the end of a longer core (人才 of 拔尖人才) names
  the kind of thing, not the thing: it covers nothing;
- a term met only inside the full core of an indicator of another measure kind
  (高新技术 inside 高新技术企业, a count, for 高新技术产业产值占比, a share) is part of that
  name, not a term of its own;
- the target's figure with its unit (“2.2%”, not inside “12.2%”) counts only with a
  term of the indicator;
- a term running into a place (“高新技术产业开发区”) or ending a name under another
  qualifier (“金融服务平台” for 公共服务平台) names that place or kind;
- a part of many indicators' names (知识产权, 研发) names a field: a partly named
  indicator needs a word of at most :data:`FEW` indicators; a goal row (``kind`` goal)
  serves other targets only in the unit of the target it states.

A task may serve the targets of its region and every target of its own plan
(:func:`targets_of_task`): an annual plan's tasks serve its own goals.

A task keeps its strong links only: the links its task file states (``target_id``),
the links whose figure it states, and the best links by coverage (at most
:data:`MOST_LINKS` in all) whose words single the indicator out — words that name
another indicator of the same measure kind at least as fully do not (“研发” beside
“研发人员”) — so a task serves several targets only when it names each. Every link
keeps the words that made it. A reviewer confirms or removes a link in
``data/kb/task_link_overrides.csv`` (``monitor.task_link_review``); the linker
honours it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

import pandas as pd

from monitor.task_link_review import LINK_COLUMNS, apply_overrides

# Words of any Chinese policy document that name no measure (verbs, office words).
POLICY_WORDS = frozenset((
    "国家", "省级", "市级", "重点", "工作", "计划", "建设", "发展", "水平", "培育", "支持",
    "推动", "推进", "开展", "实施", "加强", "提升", "合作", "项目", "组织", "资源", "综合",
    "有效", "全面", "高质量", "专业", "集聚", "新型", "机构", "服务", "市场", "行动"))
EDGE_CHARACTERS = frozenset("的与和及等占之为以上中了在对年个家项数率量比总值")
# Words that say how a figure is counted (the measure kind), not what is counted.
MEASURE_WORDS = frozenset(("新增", "新建", "建成", "累计", "引进", "年内", "每年", "年均"))
# A core's last words that say the measure, longest first; leads that say the extent.
MEASURE_TAILS = ("年均增速", "增长率", "增速", "强度", "比重", "比例", "占比", "建有率",
                 "贡献率", "拥有量", "成交额", "融资额", "总额", "规模", "数量", "总数", "个数",
                 "面积", "产值", "数", "率", "额", "量")
EXTENT_LEADS = ("全社会", "全市", "年内", "每年", "每万人", "每万名", "每万", "万人")
_BRACKETS = re.compile(r"[（(][^（()）]{0,40}[）)]")
_QUOTES = str.maketrans("", "", "“”‘’\"'《》")
_SHARE = re.compile(r"占.{1,30}(比重|比例|比)$")
_PER_HEAD = re.compile(r"^[^中]{1,12}人员中")
MIN_COVERAGE = 0.5
MOST_LINKS = 3
JOINING = frozenset("和及与或等")
# Levels a task may name before a term, lowest first; an indicator's ``scope`` (省级,
# 省级以上, 市本级…) admits its own level, and the higher ones when it says 以上.
LEVELS = ("县级", "市级", "省级", "国家级")
LEVEL_WORDS = ("国家", "和", "及")  # a level list (“国家和省级”) is no qualifier either
COMMON_SHARE = 0.2
FEW = 3  # a term in at most this many tasks or indicators is never common
LONGEST_TERM = 12
_RUNS = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z&]{2,}")
# A place the words before it belong to: a word of up to five characters ending in 区 or 园.
_PLACE = re.compile(r"[\u4e00-\u9fff]{0,4}?[区园]")


def _words(indicators: pd.DataFrame, indicator_id: str) -> list[str]:
    """The name and aliases of an indicator (upper case for Latin letters)."""
    if indicator_id not in indicators.index:
        return []
    row = indicators.loc[indicator_id]
    variants = str(row.get("variants", "") or "")
    return [w.upper().translate(_QUOTES) for w in [str(row["name"]), *variants.split("|")] if w]


def core(word: str) -> str:
    """What a name measures, without the words of the measure (“全社会研发投入占地区生产总值
    比重” → “研发投入”, “高新技术企业数” → “高新技术企业”, “每万从业人员中研发人员数” →
    “研发人员”)."""
    word = _BRACKETS.sub("", word.upper().translate(_QUOTES))
    if _SHARE.search(word) and word.index("占") >= 2:
        word = word[:word.index("占")]
    changed = True
    while changed:
        changed = False
        for tail in MEASURE_TAILS:
            if word.endswith(tail) and len(word) > len(tail) + 1:
                word, changed = word[:-len(tail)], True
                break
        for lead in EXTENT_LEADS:
            if word.startswith(lead) and len(word) > len(lead) + 1:
                word, changed = word[len(lead):], True
                break
    return _PER_HEAD.sub("", word) or word


def cores(words: Iterable[str]) -> set[str]:
    """The cores of an indicator's words, and of each thing a listing name lists."""
    out = set()
    for word in words:
        whole = core(word)
        out.add(whole)
        out.update(core(part) for part in whole.split("、") if len(part) >= 2)
    return {c for c in out if len(c) >= 2}


def coverage(terms: Iterable[str], names: Iterable[str]) -> float:
    """The largest share of one core's characters the terms cover (0–1); a two-character
    term that is only the end of a longer core covers nothing."""
    best = 0.0
    for name in names:
        covered = [False] * len(name)
        for term in terms:
            start = name.find(term)
            while start >= 0:
                if not (len(term) == 2 and start + 2 == len(name) > 2):
                    covered[start:start + len(term)] = [True] * len(term)
                start = name.find(term, start + 1)
        best = max(best, sum(covered) / len(name))
    return best


def _parts(words: Iterable[str]) -> set[str]:
    """Every run of 2–12 characters of the words, and each Latin token (R&D, GDP)."""
    out = set()
    for word in words:
        for run in _RUNS.findall(word):
            if run.isascii():
                out.add(run)
                continue
            for a in range(len(run)):
                for b in range(a + 2, min(len(run), a + LONGEST_TERM) + 1):
                    out.add(run[a:b])
    return out


def _free_standing(words: set[str]) -> set[str]:
    """Parts that stand on their own: met with two or more different characters (or the
    word's edge) before them and after them (accessor variety; “科技创” is always
    followed by 新, so it is no term, “研发” is followed by 投, 经, 机, 人 …)."""
    before: dict[str, set] = {}
    after: dict[str, set] = {}
    for n, word in enumerate(sorted(words)):
        for run in _RUNS.findall(word):
            for a in range(len(run)):
                for b in range(a + 2, min(len(run), a + LONGEST_TERM) + 1):
                    part = run[a:b]
                    before.setdefault(part, set()).add(run[a - 1] if a else ("edge", n, a))
                    after.setdefault(part, set()).add(run[b] if b < len(run) else ("edge", n, b))
    return {p for p in before if len(before[p]) >= 2 and len(after[p]) >= 2}


def _column(indicators: pd.DataFrame, name: str) -> dict[str, str]:
    """Indicator id → a column's text (empty when the column is absent)."""
    if name not in indicators.columns:
        return {}
    return dict(zip(indicators.index, indicators[name].fillna("").astype(str)))


class Vocabulary:
    """The terms of every indicator, and how common each is among indicators and tasks."""

    def __init__(self, indicators: pd.DataFrame, task_texts: list[str]):
        words = {i: _words(indicators, i) for i in indicators.index}
        self.parts = {i: _parts(w) for i, w in words.items()}
        self.cores = {i: cores(w) for i, w in words.items()}
        self.measure, self.scope = _column(indicators, "measure"), _column(indicators, "scope")
        whole = {w for ws in words.values() for w in ws} | {
            c for cs in self.cores.values() for c in cs}
        self.spread = spread = Counter(p for parts in self.parts.values() for p in parts)
        free = _free_standing({w for ws in words.values() for w in ws})
        self.terms = {p for p, n in spread.items()
                      if (p in whole or (n >= 2 and p in free))
                      and p not in POLICY_WORDS and _qualifier(p)
                      and p[0] not in EDGE_CHARACTERS and p[-1] not in EDGE_CHARACTERS}
        self.joined = frozenset(p for parts in self.parts.values() for p in parts)
        self.starts: dict[str, list[str]] = {}
        for term in self.terms:
            self.starts.setdefault(term[0], []).append(term)
        in_tasks = Counter(p for text in task_texts for p in self.terms if p in text)
        tasks, count = max(len(task_texts), 1), max(len(self.parts), 1)
        self.weight = {}
        for term in self.terms:
            if (in_tasks[term] > max(COMMON_SHARE * tasks, FEW)
                    or spread[term] > max(COMMON_SHARE * count, FEW)):
                continue
            self.weight[term] = len(term) * math.log(1 + tasks / max(in_tasks[term], 1))

    def _stands(self, term: str, text: str) -> bool:
        """True when ``term`` occurs in ``text`` as a word: no two-character term more
        frequent among the indicators than the term's own edge straddles its first or
        last character (“业产” in “农业产业” straddled by 农业, “科技创” in “科技创新” by
        创新; “研发” in “企业研发” stands, 业研 being rarer than 研发)."""
        start = text.find(term)
        while start >= 0:
            end = start + len(term)
            edges = ((text[start - 1:start + 1] if start else "", term[:2]),
                     (text[end - 1:end + 1], term[-2:]))
            if not any(len(w) == 2 and w in self.terms and self.spread[w] > self.spread[own]
                       for w, own in edges):
                return True
            start = text.find(term, start + 1)
        return False

    def modifies(self, term: str, rest: str, whole: bool = False, own: str = "") -> bool:
        """True when ``term``, followed by ``rest``, qualifies another thing: Chinese puts
        the thing last. A part of a name runs on into a word no indicator puts after it
        (“高新技术” in “高新技术农业”, “科技服务” in “科技服务能力”, “知识产权的…”); a whole
        name (``whole``) runs on into another indicator's term (“高新技术企业知识产权贯标”);
        any term runs on into a place (a word ending in 区 or 园: “高新技术产业开发区”)
        unless the place is in the words of its own indicator ``own`` (“科技服务业集聚区”).
        A joining word (和, 及, 等) or a stop ends a term."""
        nxt = rest[:1]
        if not nxt or nxt in JOINING or not _RUNS.match(nxt) or nxt.isascii():
            return False
        place = _PLACE.match(rest)
        if place and term + place.group() not in self.parts.get(own, ()):
            return True
        if whole:
            return any(rest.startswith(other) and term + other not in self.joined
                       for other in self.starts.get(nxt, ()))
        return term + nxt not in self.joined

    def specific(self, words: Iterable[str]) -> bool:
        """True when one of ``words`` is in the names of at most :data:`FEW` indicators: a
        part of a name shared by many (知识产权, 科技服务业, 研发) names a field, not one
        of its measures."""
        return any(self.spread[w] <= FEW for w in words)

    def found(self, indicator_id: str, text: str) -> list[str]:
        """The indicator's terms in ``text``, longest first, none inside another."""
        hits = [t for t in self.parts.get(indicator_id, ())
                if t in self.weight and self._stands(t, text)]
        hits.sort(key=lambda t: (-len(t), t))
        kept: list[str] = []
        for term in hits:
            if not any(term in longer for longer in kept):
                kept.append(term)
        return kept



def task_text(task) -> str:
    """What a task says: its 重点工作 and 目标任务, Latin letters in upper case, no quotes."""
    text = f"{task.get('work', '') or ''} {task.get('task', '') or ''}"
    return text.upper().translate(_QUOTES)


def figure_words(target, text: str) -> list[str]:
    """The target's figure with its unit (“2.2%”, “700家”) when ``text`` states it as a
    number of its own (not the end of “12.2%” or “2300家”)."""
    value = target.get("value")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    figure = f"{float(value):g}{target.get('unit') or ''}"
    if figure[0] == "0":
        return []
    start = text.find(figure)
    while start >= 0:
        if not start or not (text[start - 1].isdigit() or text[start - 1] == "."):
            return [figure]
        start = text.find(figure, start + 1)
    return []


def _spans(term: str, text: str) -> list[tuple[int, int]]:
    out, start = [], text.find(term)
    while start >= 0:
        out.append((start, start + len(term)))
        start = text.find(term, start + 1)
    return out


def admitted_levels(scope: str) -> tuple[str, ...]:
    """The levels (市级, 省级…) a target of ``scope`` counts; all when it names none."""
    scope = scope.replace("本级", "级")
    for n, level in enumerate(LEVELS):
        if scope.startswith(level):
            return LEVELS[n:] if "以上" in scope else (level,)
    return LEVELS


def _other_level(text: str, start: int, levels: tuple[str, ...]) -> bool:
    """True when ``text`` names a level the target does not count just before ``start``
    (“市级科技企业孵化器” for a target of 省级以上)."""
    return any(text.endswith(level, 0, start) for level in LEVELS if level not in levels)


def _other_kind(term: str, before: str, names: Iterable[str]) -> bool:
    """True when ``term`` is only the end of a name (the thing, 服务平台 of 公共服务平台)
    and ``before`` puts another qualifier right before it than the name does
    (“知识产权服务平台”, “金融综合服务平台”): another kind of that thing."""
    last = before[-1:]
    if not last or not _RUNS.match(last) or last.isascii() or last in JOINING:
        return False
    ends = [n for n in names if n.endswith(term) and _qualifier(n[:-len(term)])]
    return bool(ends) and term not in names and all(
        n[-len(term) - 1] != last for n in ends)


def _qualifier(lead: str) -> str:
    """What a name puts before its thing, without words of how it is counted (新建,
    累计…) or at which level (国家和省级…): “新建科技服务业集聚区” qualifies
    科技服务业集聚区 by nothing; “新增省级” is no term."""
    changed = True
    while changed:
        changed = False
        for word in (*MEASURE_WORDS, *EXTENT_LEADS, *LEVELS, *LEVEL_WORDS):
            if lead.startswith(word):
                lead, changed = lead[len(word):], True
    return lead


def named_terms(vocabulary: Vocabulary, text: str, indicator_ids: Iterable[str]) -> dict:
    """Indicator id → the terms ``text`` names it by, without a term met only inside the
    full core of an indicator of another measure kind (see the module's rules)."""
    found = {i: vocabulary.found(i, text) for i in indicator_ids}
    full = [(u, vocabulary.measure.get(i, "")) for i, terms in found.items()
            for u in terms if u in vocabulary.cores.get(i, ())]
    out = {}
    for i, terms in found.items():
        names = [u for u, kind in full if kind != vocabulary.measure.get(i, "")
                 and u not in vocabulary.parts.get(i, ())]
        inside = [span for u in names for span in _spans(u, text)]
        whole = vocabulary.cores.get(i, ())
        levels = admitted_levels(vocabulary.scope.get(i, ""))
        out[i] = [t for t in terms if any(
            not any(a <= s and e <= b for a, b in inside) and not _other_level(text, s, levels)
            and not vocabulary.modifies(t, text[e:], t in whole, i)
            and not _other_kind(t, text[:s], whole)
            for s, e in _spans(t, text))]
    return out


def _candidates(task, targets: list[dict], vocabulary: Vocabulary) -> list[tuple]:
    """(coverage, sure, indicator id, [(target id, words)]) of every indicator of the
    task's region the task names, states the figure of or is filed under."""
    text, stated = task_text(task), set(task.get("target_ids") or ())
    by_indicator: dict[str, list[dict]] = {}
    for target in targets:
        by_indicator.setdefault(target["indicator_id"], []).append(target)
    terms = named_terms(vocabulary, text, by_indicator)
    units = _stated_units(task, targets)
    out = []
    for indicator_id, group in by_indicator.items():
        words = terms[indicator_id]
        share = coverage(words, vocabulary.cores.get(indicator_id, ()))
        rows, sure = [], False
        for target in group:
            extra = figure_words(target, text) if share > 0 else []
            if stated & set(target["ids"]):
                extra = [*extra, "任务表标注"]
            sure = sure or bool(extra)
            rows.append((target["ids"][0], (*words, *extra), bool(extra)))
        if sure or (share >= MIN_COVERAGE and (share >= 1 or vocabulary.specific(words))
                    and (units is None or any(t.get("unit") in units for t in group))):
            out.append((share, sure, indicator_id, rows, tuple(words),
                        vocabulary.measure.get(indicator_id, "")))
    return out


def _stated_units(task, targets: list[dict]) -> set | None:
    """The units of the targets a goal row (``kind`` goal) states: a goal row states one
    figure, so the other targets it serves count in the same unit (“建有率92%” serves no
    count of firms). None for any other task: its links may count anything."""
    if task.get("kind") != "goal" or not task.get("target_ids"):
        return None
    stated = set(task["target_ids"])
    return {t.get("unit") for t in targets if stated & set(t["ids"])} or None


def _dominated(candidate: tuple, others: list[tuple]) -> bool:
    """True when a partly named indicator's words name another indicator of the same
    measure kind at least as fully (“研发” of 研发投入 beside “研发人员”): the words do
    not single it out. A link the task file states or whose figure the task states
    does not count here: it is sure for its own reasons."""
    share, words, kind = candidate[0], candidate[4], candidate[5]
    return share < 1 and any(
        other is not candidate and not other[1] and other[0] >= share and other[5] == kind
        and all(any(w in v for v in other[4]) for w in words) for other in others)


def _strong(candidates: list[tuple]) -> list[tuple]:
    """The links a task keeps: every sure one, then the best by coverage that its words
    single out."""
    sure = [c for c in candidates if c[1]]
    named = sorted((c for c in candidates if not c[1] and c[0] >= MIN_COVERAGE
                    and not _dominated(c, candidates)),
                   key=lambda c: (-c[0], -max(map(len, c[4]), default=0), c[2]))
    return sure + named[:max(MOST_LINKS - len(sure), 0)]


def targets_of_task(task, targets: pd.DataFrame) -> list[dict]:
    """The targets a task may serve: those of its region (the period plan's and any
    other plan's there) and every target of its own plan, wherever the plan places it
    (a task placed in a county still serves its city plan's goals)."""
    mine = targets["region_adcode"] == task.get("region_adcode")
    if task.get("plan_id") and "plan_id" in targets.columns:
        mine |= targets["plan_id"] == task["plan_id"]
    return targets[mine].to_dict("records")


def link_tasks(tasks: pd.DataFrame, targets: pd.DataFrame, indicators: pd.DataFrame,
               overrides: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per (task, target) link: ``LINK_COLUMNS``, strongest first per task.

    ``tasks`` are ``monitor.tasks.task_rows``; ``targets`` are
    ``monitor.table.target_rows`` (each links by its first id); ``indicators`` is
    indexed by id. A task links only to targets of its own region or its own plan
    (:func:`targets_of_task`); ``score`` is the
    share of the indicator's core the task names. ``overrides``
    (``monitor.task_link_review.read_overrides``) confirm or remove links.
    """
    records = tasks.to_dict("records")
    vocabulary = Vocabulary(indicators, [task_text(t) for t in records])
    out = []
    for task in records:
        for share, _, indicator_id, rows, *_ in _strong(
                _candidates(task, targets_of_task(task, targets), vocabulary)):
            out.extend((task["id"], int(task["no"]), target_id, indicator_id, words,
                        round(share, 2)) for target_id, words, _ in rows if words)
    frame = pd.DataFrame(out, columns=list(LINK_COLUMNS))
    if overrides is not None:
        frame = apply_overrides(frame, overrides, tasks, targets)
    return frame.sort_values(["task_no", "score"], ascending=[True, False],
                             kind="stable").reset_index(drop=True)


def tasks_of_targets(links: pd.DataFrame) -> dict[str, list[tuple[int, tuple[str, ...]]]]:
    """Target id → [(task number, words)], in task order."""
    out: dict[str, list] = {}
    for row in links.sort_values("task_no", kind="stable").itertuples():
        out.setdefault(row.target_id, []).append((row.task_no, row.words))
    return out
