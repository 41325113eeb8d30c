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
    "（三）深化开放合作",
    "与东南大学、哈尔滨工业大学签订战略合作协议，共建智能制造联合创新中心。",
    "四、年度任务安排",
]
# The task table after the last paragraph: a header, then one task per row.
TASK_TABLE = [
    ["事项", "重点工作", "具体任务", "一季度", "二季度", "三季度", "四季度", "牵头单位", "配合单位"],
    ["创新主体", "企业培育", "1.组织科技型中小企业评价入库。", "发布年度评价工作通知",
     "开展企业申报辅导", "完成集中评价", "公布入库名单", "市科技局", "各县（市、区）、市财政局"],
    ["创新载体", "园区提升", "2.推进智能装备产业园扩区提质。", "编制扩区方案", "完成方案论证",
     "启动基础设施建设", "完成年度建设任务", "铜山区人民政府", "市自然资源和规划局"],
]


def plan_docx() -> bytes:
    """The plan as a DOCX document (python-docx)."""
    import docx

    document = docx.Document()
    for text in PARAGRAPHS:
        document.add_paragraph(text)
    table = document.add_table(rows=len(TASK_TABLE), cols=len(TASK_TABLE[0]))
    for row, cells in zip(table.rows, TASK_TABLE, strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
