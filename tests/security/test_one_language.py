"""An API answer speaks one language: zh-CN by default, English only when the client asks (`Accept-Language: en`).

Issue 14 (M6): refusals carried their English in brackets (「未找到该人员 (person … not found)」), and what the framework
or the boundary said by itself (an unknown route, a body that is not UTF-8, /metrics) was English only, with no loc.
"""

from __future__ import annotations

import re
import uuid

from pydantic import SecretStr

EN = {"Accept-Language": "en"}
_ENGLISH = re.compile("[A-Za-z]{4,}")
_CJK = re.compile("[\u4e00-\u9fff]")


def _msgs(r) -> list[str]:
    detail = r.json()["detail"]
    return [detail] if isinstance(detail, str) else [d["msg"] for d in detail]


def test_a_services_refusal_is_in_one_language(client, tokens, directory):
    url = f"/api/people/{uuid.uuid4()}"
    zh = client.get(url, headers=tokens["admin"])
    assert zh.status_code == 404
    (msg,) = _msgs(zh)
    assert _CJK.search(msg) and not _ENGLISH.search(msg), msg
    (msg,) = _msgs(client.get(url, headers={**tokens["admin"], **EN}))
    assert not _CJK.search(msg) and "not found" in msg, msg


def test_the_frameworks_own_words_are_in_zh_cn_by_default(client, tokens):
    r = client.get("/api/no-such-route", headers=tokens["admin"])
    assert r.status_code == 404 and r.json()["detail"] == "未找到"
    assert client.get("/api/no-such-route", headers=EN).json()["detail"] == "Not Found"


def test_a_body_that_is_not_utf8_is_refused_at_the_body_in_zh_cn(client, tokens):
    body = '{"name": "高观镇"}'.encode("gbk")
    r = client.post("/api/units", content=body, headers={**tokens["admin"], "Content-Type": "application/json"})
    assert r.status_code in (400, 422)
    (problem,) = r.json()["detail"]
    assert problem["loc"] == ["body"] and _CJK.search(problem["msg"]) and not _ENGLISH.search(problem["msg"])
    r = client.post("/api/units", content=body, headers={**tokens["admin"], **EN, "Content-Type": "application/json"})
    assert not _CJK.search(r.json()["detail"][0]["msg"])


def test_the_boundarys_refusals_and_metrics_are_in_one_language(app, client):
    r = client.get("/api/people?q=a%00b")
    assert r.status_code == 422
    (msg,) = _msgs(r)
    assert _CJK.search(msg) and not _ENGLISH.search(msg), msg
    (msg,) = _msgs(client.get("/api/people?q=a%00b", headers=EN))
    assert not _CJK.search(msg), msg
    app.state.settings.ops.metrics_token = SecretStr("s3cret-metrics")
    r = client.get("/metrics")
    assert r.status_code == 401 and _CJK.search(r.json()["detail"]) and not _ENGLISH.search(r.json()["detail"])
    assert client.get("/metrics", headers=EN).json()["detail"] == "metrics token missing or wrong"


def test_callbacks_answer_in_one_language(client):
    r = client.post("/callbacks/nosuch", json={})
    assert r.status_code == 404 and _CJK.search(r.json()["detail"])
    assert not _CJK.search(client.post("/callbacks/nosuch", json={}, headers=EN).json()["detail"])
