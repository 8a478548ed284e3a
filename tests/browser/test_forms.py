"""Input the form cannot run is refused at its field: no run starts, the field is marked invalid
(aria-invalid) and a message next to it says what to type. Nothing is silently replaced."""

import json

import httpx
import pytest
from conftest import App, Watch
from playwright.sync_api import Page, Route, expect


def jobs_created(watch: Watch) -> int:
    return sum(1 for url in watch.requests if url.endswith("/api/jobs"))


def refused(app: App, page: Page, watch: Watch, field: str, says: str, input_id: str | None = None):
    before = jobs_created(watch)
    page.click("#run")
    err = page.locator(f"#err-{field}")
    expect(err).to_be_visible()
    expect(err).to_contain_text(says)
    expect(page.locator(f"#{input_id or field}")).to_have_attribute("aria-invalid", "true")
    page.wait_for_timeout(300)
    assert jobs_created(watch) == before  # no run started
    assert app.data("status") == "completed"  # the last run stays on screen


@pytest.mark.parametrize(
    ("field", "typed", "says"),
    [
        ("lr", "abc", "“abc” is not a number: type one like 0.1"),
        ("lr", "0,05", "use a point for decimals: 0.05"),
        ("epochs", "", "type a number (≥ 1, ≤ 20000)"),
        ("epochs", "2.5", "type a whole number"),
    ],
)
def test_a_field_that_makes_no_number_is_refused_there(
    app: App, page: Page, watch: Watch, field: str, typed: str, says: str
) -> None:
    app.open("epochs=20&speed=live")
    app.finished()
    app.fill(field, typed)
    refused(app, page, watch, field, says)
    app.fill(field, "0.05" if field == "lr" else "30")  # corrected: the mark goes, the run starts
    expect(page.locator(f"#{field}")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#err-{field}")).to_be_hidden()
    page.click("#run")
    app.finished()
    assert f"{field}={'0.05' if field == 'lr' else '30'}" in page.url


def test_a_start_w_without_a_start_b_asks_for_both_or_neither(
    app: App, page: Page, watch: Watch
) -> None:
    app.open("epochs=20&speed=live")
    app.finished()
    app.fill("init_w", "1")
    refused(app, page, watch, "init_b", "give both or neither")


def test_a_csv_upload_without_a_file_asks_for_one(app: App, page: Page, watch: Watch) -> None:
    app.open("epochs=20&speed=live")
    app.finished()
    page.select_option("#data", "upload")
    refused(app, page, watch, "upload", "choose a CSV file first", input_id="upload-file")


def test_a_link_to_a_csv_upload_without_a_file_asks_for_one_in_the_pages_language(
    app: App, page: Page, watch: Watch
) -> None:
    app.open("lang=ko&data=upload&epochs=20")
    expect(page.locator("#err-upload")).to_have_text("먼저 CSV 파일을 고르세요")
    expect(page.locator("#upload-file")).to_have_attribute("aria-invalid", "true")
    page.wait_for_timeout(300)
    assert jobs_created(watch) == 0  # the server was not asked: its refusal would be in English


def test_a_refused_upload_leaves_no_stale_file_active(app: App, page: Page, watch: Watch) -> None:
    watch.allow_http_errors = True
    app.open("epochs=20&speed=live")
    app.finished()
    good = "hours,score\n" + "".join(f"{h},{50 + 5 * h}\n" for h in range(1, 11))
    app.upload("ok.csv", good)
    expect(page.locator("#upload-name")).to_have_text("ok.csv: 10 rows")
    page.set_input_files(  # the data set is still "upload": the same input, another file
        "#upload-file",
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": b"only\n1\n2\n"}],
    )
    expect(page.locator("#err-upload")).to_be_visible()
    expect(page.locator("#upload-name")).to_have_text("")
    assert page.eval_on_selector("#upload-file", "el => el.files.length") == 0
    assert page.eval_on_selector("#col_x", "el => el.options.length") == 0
    refused(app, page, watch, "upload", "choose a CSV file first", input_id="upload-file")


def test_a_knob_the_schema_adds_is_in_the_form_the_link_and_the_job(app: App, page: Page) -> None:
    """The form is laid out from GET /api/schema: a field with `form` metadata (as config.py's
    `form()` writes it) shows in its group and place, and its value goes into the link and the job.
    The server has no such knob: it is taken out of the job on its way, after it is read."""
    schema = httpx.get(f"{app.base}/api/schema").json()
    schema["job"]["properties"]["weight_decay"] = {
        "type": "number",
        "default": 0,
        "minimum": 0,
        "maximum": 1,
        "description": "L2 penalty on w",
        "form": {"group": "training", "order": 125},
    }
    page.route("**/api/schema", lambda route: route.fulfill(json=schema))
    sent: list[dict] = []

    def create(route: Route) -> None:
        body = route.request.post_data_json
        sent.append(dict(body))
        body.pop("weight_decay", None)
        route.continue_(post_data=json.dumps(body))

    page.route("**/api/jobs", create)
    app.open("epochs=5&speed=live&weight_decay=0.02")
    app.finished()
    training = page.eval_on_selector_all(
        "#controls fieldset:nth-of-type(2) [data-field]", "rows => rows.map(r => r.dataset.field)"
    )
    assert training[:4] == ["lr", "epochs", "weight_decay", "batch_size"]
    expect(page.locator("[data-field=weight_decay] label")).to_have_text("weight_decay")
    assert page.get_attribute("#weight_decay", "title") == "L2 penalty on w: ≥ 0, ≤ 1"
    assert page.input_value("#weight_decay") == "0.02" and sent[-1]["weight_decay"] == 0.02
    app.fill("weight_decay", "0.03")
    page.click("#run")
    app.finished()
    assert "weight_decay=0.03" in page.url and sent[-1]["weight_decay"] == 0.03
