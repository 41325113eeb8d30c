"""A small made-up 十五五 plan of a city with boundaries in data/ (徐州市 320300), as DOCX.

Names, numbers and sentences are invented for the review tests; nothing here is
read by the code under test except through the uploaded document.
"""

from __future__ import annotations

import io

TITLE = "徐州市“十五五”科技创新规划"
PARAGRAPHS = [
    "徐州市人民政府关于印发徐州市“十五五”科技创新规划的通知",
    "徐政发〔2026〕12号",
    "各县（市、区）人民政府，市各有关部门：",
    "《徐州市“十五五”科技创新规划》已经市政府同意，现印发给你们，请认真贯彻执行。",
    "徐州市人民政府",
    "2026年4月8日",
    TITLE,
    "一、发展基础",
    "（一）“十四五”成效",
    "“十四五”期间，全市高新技术企业达到1200家，技术合同成交额达到180亿元。",
    "二、主要目标",
    "（一）总体目标",
    "到2030年，全市高新技术企业超过2500家，技术合同成交额力争突破400亿元，"
    "全社会研发投入占地区生产总值比重达到3.2%。",
    "三、重点任务",
    "（一）建设创新载体",
    "加快建设徐州高新技术产业开发区，推进铜山智能装备产业园和云龙软件园建设，"
    "支持贾汪生物医药研究院发展。",
    "（二）培育创新主体",
    "实施科技型中小企业培育计划，到2030年科技型中小企业达到6000家左右。",
]


def plan_docx() -> bytes:
    """The plan as a DOCX document (python-docx)."""
    import docx

    document = docx.Document()
    for text in PARAGRAPHS:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
