"""Reviewing an uploaded plan and publishing it, through the Flask client: upload (hostile
files refused, nothing stored), the review page, versioned changes (a stale one is a 409
that names who changed it), placing an entity, adding a candidate from the text, publish
(the plan's targets and entities are served at once) and rollback (they are gone)."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from conftest import ADMIN_TOKEN
from plan_review_data import TITLE, plan_docx

from web import create_app

REGION = "320300"
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def review_app(tmp_path_factory):
    store = tmp_path_factory.mktemp("plan-review") / "store.gpkg"
    return create_app({"testing": True, "store_url": str(store),
                       "admin_tokens": f"tester:{ADMIN_TOKEN},second:{ADMIN_TOKEN[::-1]}x"})


def signed_in(app, token=ADMIN_TOKEN):
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/admin/login", data={"token": token, "csrf_token": csrf})
    page = client.get("/admin/plans/").get_data(as_text=True)
    client.csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client


def post_json(client, path, body):
    return client.post(path, json=body, headers={**JSON, "X-CSRF-Token": client.csrf})


def upload(client, data: bytes, name: str):
    return client.post("/admin/plans/upload", data={"csrf_token": client.csrf,
                                                    "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"0" * 60_000_000)
    return out.getvalue()


@pytest.mark.parametrize(("data", "reason"), [
    (zip_bomb(), "压缩炸弹"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "加密"),
    (b"%PDF-1.4\n%%EOF\n", "PDF"), (b"", "文件为空")])
def test_a_hostile_file_is_refused_with_its_reason_and_nothing_is_stored(review_app, data,
                                                                          reason):
    client = signed_in(review_app)
    before = client.get("/admin/plans/", headers=JSON).get_json()["drafts"]
    response = upload(client, data, "规划.docx")
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)
    assert client.get("/admin/plans/", headers=JSON).get_json()["drafts"] == before


def test_uploading_needs_a_signed_in_user_and_the_csrf_token(review_app):
    anonymous = review_app.test_client()
    assert anonymous.post("/admin/plans/upload").status_code in (401, 403)
    client = signed_in(review_app)
    client.csrf = "forged"
    assert upload(client, plan_docx(), "plan.docx").status_code == 403


@pytest.fixture(scope="module")
def draft(review_app):
    client = signed_in(review_app)
    response = upload(client, plan_docx(), "徐州规划.docx")
    assert response.status_code == 303
    draft_id = response.headers["Location"].rsplit("/", 1)[-1]
    return draft_id


def candidates(app, draft_id):
    return {c.cid: c for c in app.extensions["innomap.plan_review"].candidates(draft_id)}


def by(app, draft_id, group, **match):
    return [c for c in candidates(app, draft_id).values() if c.group == group
            and all(c.data.get(k) == v for k, v in match.items())]


def test_the_review_page_shows_each_quote_in_its_paragraph_escaped(review_app, draft):
    client = signed_in(review_app)
    page = client.get(f"/admin/plans/{draft}").get_data(as_text=True)
    assert TITLE in page and "已审 <span id=\"progress-n\">0</span>" in page
    zone = by(review_app, draft, "entities", name="徐州高新技术产业开发区")[0]
    assert f'class="q" data-cids="{zone.cid}"' in page
    assert "/vendor/leaflet/" in page and "http://" not in page.split("<body>")[1]
    assert client.get(f"/admin/plans/{draft}?page=9").status_code == 400


def test_a_stale_change_is_a_409_naming_who_changed_the_candidate(review_app, draft):
    first, second = signed_in(review_app), signed_in(review_app, ADMIN_TOKEN[::-1] + "x")
    target = by(review_app, draft, "targets", value=6000)[0]
    one = post_json(first, f"/admin/plans/{draft}/changes",
                    {"changes": [{"cid": target.cid, "version": target.version,
                                  "status": "accepted"}]})
    assert one.status_code == 200 and one.get_json()["candidates"][0]["version"] == 2
    stale = post_json(second, f"/admin/plans/{draft}/changes",
                      {"changes": [{"cid": target.cid, "version": target.version,
                                    "status": "rejected"}]})
    assert stale.status_code == 409 and "tester" in stale.get_json()["description"]
    assert candidates(review_app, draft)[target.cid].status == "accepted"


def test_dragging_an_entity_sets_its_county_from_the_boundaries(review_app, draft):
    client = signed_in(review_app)
    zone = by(review_app, draft, "entities", name="徐州高新技术产业开发区")[0]
    moved = post_json(client, f"/admin/plans/{draft}/changes", {"changes": [{
        "cid": zone.cid, "version": zone.version, "status": "accepted",
        "data": {"lon": 117.53, "lat": 34.31, "precision": "approximate"}}]})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["candidates"][0]["data"]["county_adcode"] == "320312"
    outside = post_json(client, f"/admin/plans/{draft}/changes", {"changes": [{
        "cid": zone.cid, "version": zone.version + 1, "data": {"lon": 150.0, "lat": 10.0}}]})
    assert outside.status_code == 400


def test_a_candidate_added_from_a_selection_must_quote_the_text_exactly(review_app, draft):
    client = signed_in(review_app)
    text = review_app.extensions["innomap.plan_review"].draft(draft).text
    start = text.index("云龙软件园")
    body = {"group": "entities", "start": start, "end": start + 5, "quote": "云龙软件园",
            "data": {"name": "云龙软件园", "type": "industrial_park", "precision": "approximate",
                     "lon": 117.25, "lat": 34.25}}
    assert post_json(client, f"/admin/plans/{draft}/add",
                     {**body, "start": start + 1, "end": start + 6}).status_code == 400
    added = post_json(client, f"/admin/plans/{draft}/add", body)
    assert added.status_code == 201
    assert added.get_json()["candidate"]["data"]["county_adcode"] == "320303"


def test_publish_is_refused_with_every_reason_and_changes_nothing(review_app, draft):
    client = signed_in(review_app)
    loose = by(review_app, draft, "targets", value=1200)[0]
    plan = review_app.extensions["innomap.plan_review"].draft(draft)
    # The reviewer accepts it but takes away the indicator it was filed under.
    assert post_json(client, f"/admin/plans/{draft}/changes", {"changes": [
        {"cid": loose.cid, "version": loose.version, "status": "accepted",
         "data": {"indicator_id": None}}]}).status_code == 200
    assert post_json(client, f"/admin/plans/{draft}/plan", {
        "version": plan.plan_version, "plan": {"period_end": None}}).status_code == 200
    assert post_json(client, f"/admin/plans/{draft}/plan", {
        "version": plan.plan_version, "plan": {"period_end": 2030}}).status_code == 409
    refused = client.post(f"/admin/plans/{draft}/publish", data={"csrf_token": client.csrf})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "规划期" in page and "请选择已有指标或新建指标" in page
    assert client.get("/admin/plans/", headers=JSON).get_json()["publications"] == []
    loose = candidates(review_app, draft)[loose.cid]
    post_json(client, f"/admin/plans/{draft}/changes", {"changes": [
        {"cid": loose.cid, "version": loose.version, "status": "rejected"}]})
    post_json(client, f"/admin/plans/{draft}/plan", {
        "version": plan.plan_version + 1, "plan": {"period_end": 2030}})


def test_publish_serves_the_plan_everywhere_and_rollback_removes_it(review_app, draft):
    client = signed_in(review_app)
    rd = by(review_app, draft, "targets", indicator_id="rd_intensity")[0]
    wrong = by(review_app, draft, "targets", value=400)[0]
    assert post_json(client, f"/admin/plans/{draft}/changes", {"changes": [
        {"cid": rd.cid, "version": rd.version, "status": "accepted"},
        {"cid": wrong.cid, "version": wrong.version, "status": "rejected"}]}).status_code == 200
    published = client.post(f"/admin/plans/{draft}/publish", headers={**JSON,
                            "X-CSRF-Token": client.csrf})
    assert published.status_code == 201, published.get_data(as_text=True)
    plan_id = published.get_json()["plan_id"]
    targets = client.get(f"/api/collections/targets/items?region_adcode={REGION}&limit=100",
                         headers=JSON).get_json()["features"]
    mine = {(f["properties"]["indicator_id"], f["properties"]["year"]) for f in targets
            if f["properties"]["plan_id"] == plan_id}
    assert mine == {("rd_intensity", 2030), ("tech_smes", 2030)}
    assert "科技型中小企业" in client.get("/targets").get_data(as_text=True)
    region = client.get(f"/regions/{REGION}").get_data(as_text=True)
    assert TITLE in region
    lineage = client.get(f"/regions/{REGION}/lineage/rd_intensity.json", headers=JSON).get_json()
    assert [(p["plan_id"], p["year"], p["value"]) for p in lineage["points"]] == [
        (plan_id, 2030, 3.2)]
    entities = client.get("/api/collections/entities/items?limit=1000",
                          headers=JSON).get_json()["features"]
    names = {f["properties"]["name"] for f in entities if f["properties"]["plan_id"] == plan_id}
    assert names == {"徐州高新技术产业开发区", "云龙软件园"}
    assert "云龙软件园" in client.get(f"/maps/{REGION}").get_data(as_text=True)
    rolled = client.post(f"/admin/plans/publications/{published.get_json()['id']}/rollback",
                         headers={**JSON, "X-CSRF-Token": client.csrf})
    assert rolled.status_code == 201
    after = client.get("/api/collections/entities/items?limit=1000",
                       headers=JSON).get_json()["features"]
    assert not [f for f in after if f["properties"]["plan_id"] == plan_id]
    assert TITLE not in client.get(f"/regions/{REGION}").get_data(as_text=True)


def test_plan_text_is_shown_as_text_never_as_markup_or_template(review_app):
    client = signed_in(review_app)
    hostile = ("某市“十五五”科技创新规划\n一、主要目标\n到2030年，全市<script>alert(1)</script>"
               "高新技术企业达到{{ 7*7 }}家，建设<img src=x onerror=alert(2)>科技产业园。\n" * 3)
    response = upload(client, hostile.encode("utf-8"), "hostile.txt")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "{{ 7*7 }}" in page
    assert "49家" not in page


def test_a_plan_of_400_candidates_is_paged_by_the_server(review_app):
    store = review_app.extensions["innomap.plan_review"]
    lines = [f"{i + 1}．建设第{i + 1}号科技产业园，到2030年企业达到{i + 10}家。" for i in range(200)]
    text = "某市科技创新规划\n" + "\n".join(lines) + "\n"
    targets, entities = [], []
    for line in lines:
        at = text.index(line)
        park = line.index("建设") + 2
        entities.append({"name": line[park:line.index("，")], "quote": line[park:line.index("，")],
                         "start": at + park, "end": at + line.index("，"), "section": ""})
        targets.append({"indicator": "企业", "value": 1, "quote": line, "start": at,
                        "end": at + len(line), "section": ""})
    store.add_draft("big", user="tester", filename="big.txt", sha256="0", fmt="txt", text=text,
                    extraction={"plan": {"title": "某市科技创新规划"}, "targets": targets,
                                "entities": entities})
    client = signed_in(review_app)
    first = client.get("/admin/plans/big").get_data(as_text=True)
    cards = first.count('<li class="cand ')
    pages = int(re.search(r"第 1 / (\d+) 页", first).group(1))
    assert 0 < cards <= 80 and pages >= 5 and "已审 <span id=\"progress-n\">0</span> / " \
        "<span id=\"progress-m\">400</span>" in first
    seen = cards + sum(client.get(f"/admin/plans/big?page={n}").get_data(as_text=True)
                       .count('<li class="cand ') for n in range(2, pages + 1))
    assert seen == 400


def features(client, collection: str) -> list[dict]:
    answer = client.get(f"/api/collections/{collection}/items?limit=1000", headers=JSON)
    return [f["properties"] for f in answer.get_json()["features"]] \
        if answer.status_code == 200 else []


def test_a_published_task_table_and_partnerships_are_served_as_curated_ones(review_app):
    client = signed_in(review_app)
    response = upload(client, plan_docx(), "徐州规划-任务.docx")
    draft = response.headers["Location"].rsplit("/", 1)[-1]
    tasks = by(review_app, draft, "tasks")
    seu = by(review_app, draft, "partnerships", partner="东南大学")[0]
    hit = by(review_app, draft, "partnerships", partner="哈尔滨工业大学")[0]
    assert len(tasks) == 2
    accept = [{"cid": c.cid, "version": c.version, "status": "accepted"} for c in [*tasks, seu]]
    placed = {"cid": hit.cid, "version": hit.version, "status": "accepted",
              "data": {"lon": 126.63, "lat": 45.74, "precision": "approximate",
                       "location": "黑龙江省哈尔滨市"}}
    assert post_json(client, f"/admin/plans/{draft}/changes",
                     {"changes": [*accept, placed]}).status_code == 200
    assert f'href="/regions/{REGION}"' not in client.get("/").get_data(as_text=True)
    published = client.post(f"/admin/plans/{draft}/publish", headers={**JSON,
                            "X-CSRF-Token": client.csrf})
    assert published.status_code == 201, published.get_data(as_text=True)
    plan_id = published.get_json()["plan_id"]

    page = client.get(f"/plans/{plan_id}/tasks")
    assert page.status_code == 200
    assert "组织科技型中小企业评价入库" in page.get_data(as_text=True)
    served = features(client, f"tasks-{plan_id}")
    assert {(t["no"], t["lead"], t["q4"]) for t in served} == {
        (1, "市科技局", "公布入库名单"), (2, "铜山区人民政府", "完成年度建设任务")}
    assert "推进智能装备产业园扩区提质" in client.get(f"/regions/{REGION}").get_data(as_text=True)
    links = {(p["partner_name"], p["kind"]) for p in features(client, "partnerships")
             if p["plan_id"] == plan_id}
    assert links == {("东南大学", "战略合作"), ("哈尔滨工业大学", "战略合作")}
    partners = {p["name"]: p for p in features(client, "partners")}
    assert partners["哈尔滨工业大学"]["region_adcodes"] == REGION
    assert partners["哈尔滨工业大学"]["precision"] == "approximate"
    assert REGION in partners["东南大学"]["region_adcodes"].split("|")
    index = client.get("/").get_data(as_text=True)
    assert f'href="/regions/{REGION}"' in index and f'href="/plans/{plan_id}/tasks"' in index

    rolled = client.post(f"/admin/plans/publications/{published.get_json()['id']}/rollback",
                         headers={**JSON, "X-CSRF-Token": client.csrf})
    assert rolled.status_code == 201
    assert client.get(f"/plans/{plan_id}/tasks").status_code == 404
    assert features(client, f"tasks-{plan_id}") == []
    assert not [p for p in features(client, "partnerships") if p["plan_id"] == plan_id]
    partners = {p["name"]: p for p in features(client, "partners")}
    assert "哈尔滨工业大学" not in partners
    assert REGION not in partners["东南大学"]["region_adcodes"].split("|")
    index = client.get("/").get_data(as_text=True)
    assert f'href="/regions/{REGION}"' not in index and f"/plans/{plan_id}/tasks" not in index


def review_data(client, path: str) -> dict:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'<script type="application/json" id="review-data">(.*?)</script>', page,
                      re.S)
    return json.loads(found.group(1))


def test_accepting_a_section_accepts_its_pending_candidates_on_every_page(review_app):
    store = review_app.extensions["innomap.plan_review"]
    lines = [f"到2030年第{i + 1}类企业达到{i + 10}家。" for i in range(150)]
    text = ("某市科技创新规划\n一、主要目标\n" + "\n".join(lines)
            + "\n二、保障措施\n到2030年人才总量达到9万人。\n")
    targets = []
    for line in [*lines, "到2030年人才总量达到9万人。"]:
        at = text.index(line)
        targets.append({"indicator": "企业", "value": 1, "quote": line, "start": at,
                        "end": at + len(line), "section": ""})
    store.add_draft("sections", user="tester", filename="s.txt", sha256="0", fmt="txt",
                    text=text, extraction={"plan": {"title": "某市科技创新规划"},
                                           "targets": targets})
    first, second = signed_in(review_app), signed_in(review_app, ADMIN_TOKEN[::-1] + "x")
    data = review_data(first, "/admin/plans/sections")
    section, versions = next((s, v) for s, v in data["sections"].items() if "主要目标" in s)
    assert len(versions) == 150 > len(data["candidates"])  # the section spans pages
    assert not [s for s in data["sections"] if "保障措施" in s]  # not on page 1
    later = candidates(review_app, "sections")[140]
    assert post_json(second, "/admin/plans/sections/changes", {"changes": [
        {"cid": 140, "version": later.version, "status": "rejected"}]}).status_code == 200
    stale = post_json(first, "/admin/plans/sections/sections/accept",
                      {"section": section, "versions": versions})
    assert stale.status_code == 409 and "second" in stale.get_json()["description"]
    assert {c.status for cid, c in candidates(review_app, "sections").items()
            if cid != 140} == {"pending"}

    versions = review_data(first, "/admin/plans/sections")["sections"][section]
    assert len(versions) == 149 and "140" not in versions
    done = post_json(first, "/admin/plans/sections/sections/accept",
                     {"section": section, "versions": versions})
    assert done.status_code == 200 and done.get_json()["progress"] == [150, 151]
    statuses = {cid: c.status for cid, c in candidates(review_app, "sections").items()}
    assert statuses[140] == "rejected" and statuses[151] == "pending"
    assert sum(s == "accepted" for s in statuses.values()) == 149
    audit = store.audit("sections", 1000)
    assert sum(a["action"] == "accept_section" and a["user"] == "tester" for a in audit) == 149
    assert "<td>接受本节</td>" in first.get("/admin/plans/sections?page=2").get_data(as_text=True)
    again = post_json(first, "/admin/plans/sections/sections/accept",
                      {"section": section, "versions": versions})
    assert again.status_code == 409
    other = post_json(first, "/admin/plans/sections/sections/accept",
                      {"section": section, "versions": {"151": 1}})
    assert other.status_code == 400
