"""A lesson as a file, in Chromium: a teacher builds a three-step lesson in the page (Save this as
a step, a caption and a question each), reorders it, downloads it, opens it in a fresh browser (a
bad file first: refused with its field and why, in Korean too, and nothing of the lesson lost),
puts it in a class; three students vote, discuss and vote again, and the reveal shows both rounds
side by side; the gradebook has every answer.

Set GDVIZ_SCREENSHOTS=1 to write the moments to docs/screenshots/ (lesson-files-*.png).
"""

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import screenshot
from playwright.sync_api import Browser, Page, expect

WIDE = {"width": 1920, "height": 1080}
LAPTOP = {"width": 1366, "height": 768}


class Browsers:
    """Pages each in a context of its own (its own storage: a fresh browser)."""

    def __init__(self, browser: Browser, base: str) -> None:
        self.browser, self.base = browser, base
        self.contexts = []
        self.errors: list[str] = []

    def page(self, path: str, viewport: dict = LAPTOP) -> Page:
        context = self.browser.new_context(viewport=viewport, accept_downloads=True)
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(40_000)
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        page.goto(f"{self.base}{path}")
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsers(browser: Browser, server_url: str) -> Iterator[Browsers]:
    b = Browsers(browser, server_url)
    yield b
    b.close()
    assert not b.errors, b.errors


def ready(page: Page) -> None:
    """The page's run has ended and the player stands at its last epoch."""
    page.wait_for_function(
        "!['running', 'starting'].includes(document.getElementById('app').dataset.status)",
        timeout=60_000,
    )
    page.eval_on_selector("#to-end", "b => b.click()")
    page.wait_for_function("document.getElementById('app').dataset.playing === 'false'")


def save_step(page: Page, title: str, caption: str, question: dict) -> None:
    """✎ → Save this as a step, its words and question, saved (the server checks it)."""
    page.click("#lesson-edit")
    page.click("#editor-save-step")
    form = page.locator("#editor-step")
    form.locator("[name=title]").fill(title)
    form.locator("[name=caption]").fill(caption)
    form.locator("[name=kind]").select_option(question["kind"])
    form.locator("[name=prompt]").fill(question["prompt"])
    if question["kind"] == "choice":
        form.locator("[name=choices]").fill("\n".join(question["choices"]))
        form.locator("[name=answer]").fill(str(question["answer"]))
    form.locator("[name=why]").fill(question["why"])
    form.locator("button[type=submit]").click()
    expect(page.locator("#editor-status")).to_contain_text("saved")
    page.click("#editor-close")


def run_with(page: Page, **fields: str) -> None:
    for field, value in fields.items():
        page.fill(f"#{field}", value)
    page.click("#run")
    ready(page)


def test_a_teacher_builds_shares_and_runs_a_lesson_the_class_votes_twice(
    browsers: Browsers, server_url: str, tmp_path: Path
) -> None:
    # --- a teacher builds three steps from what the page shows
    builder = browsers.page("/#lesson=1", WIDE)  # the built-in lesson, step 1: its band has ✎
    expect(builder.locator("#lesson")).to_be_visible()
    ready(builder)
    run_with(builder, lr="0.5", epochs="30")
    save_step(
        builder,
        "Too large a step",
        "lr = 0.5: each step jumps over the valley.",
        {
            "kind": "choice",
            "prompt": "lr = 0.5: the loss will…",
            "choices": ["converge", "settle", "diverge"],
            "answer": 3,
            "why": "Why does a longer step land higher?",
        },
    )
    run_with(builder, lr="0.1", epochs="100")
    save_step(
        builder,
        "A good step",
        "lr = 0.1 walks down to the bottom.",
        {"kind": "point", "prompt": "Click where the run ends.", "why": "Why there?"},
    )
    run_with(builder, lr="0.01")
    save_step(
        builder,
        "Too small a step",
        "lr = 0.01 is slow.",
        {
            "kind": "choice",
            "prompt": "After 100 epochs the loss is…",
            "choices": ["at the bottom", "still falling"],
            "answer": 2,
            "why": "How far does a small step go?",
        },
    )
    builder.click("#lesson-edit")
    steps = builder.locator("#editor-steps li")
    expect(steps).to_have_count(3)
    steps.nth(1).get_by_role("button", name="Move down").click()  # the good step last
    expect(steps.nth(2)).to_contain_text("A good step")
    steps.nth(0).get_by_role("button", name="Edit").click()  # a caption mended
    builder.locator("#editor-step [name=caption]").fill(
        "lr = 0.5: every step jumps over the valley."
    )
    builder.locator("#editor-step button[type=submit]").click()
    expect(builder.locator("#editor-status")).to_have_text("Step 1 saved.")
    builder.fill("#editor-title", "Learning rates")
    builder.press("#editor-title", "Tab")
    screenshot(builder, "lesson-files-editor-en-1920x1080.png")
    with builder.expect_download() as got:
        builder.click("#editor-download")
    path = tmp_path / "lesson.json"
    got.value.save_as(path)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert [s["title"]["en"] for s in saved["steps"]] == [
        "Too large a step",
        "Too small a step",
        "A good step",
    ]
    assert saved["steps"][0]["config"]["lr"] == 0.5 and saved["steps"][0]["question"]["answer"] == 2
    assert saved["steps"][0]["caption"] == {"en": "lr = 0.5: every step jumps over the valley."}
    builder.reload()  # the draft survives a reload (the link keeps the lesson open)
    expect(builder.locator("#lesson")).to_be_visible()
    builder.click("#lesson-edit")
    expect(builder.locator("#editor-steps li")).to_have_count(3)

    # --- a fresh browser opens it: a bad file is refused, naming the field, in the page's language
    teacher = browsers.page("/#lesson=1", WIDE)
    expect(teacher.locator("#lesson")).to_be_visible()
    teacher.click("#lesson-edit")
    bad = json.loads(path.read_text(encoding="utf-8"))
    bad["steps"][1]["views"]["focus"] = "code"
    # dropped on the dialog, as a file from the desktop
    teacher.evaluate(
        """text => {
          const data = new DataTransfer();
          data.items.add(new File([text], 'bad.json', { type: 'application/json' }));
          document.getElementById('editor').dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
        }""",
        json.dumps(bad),
    )
    expect(teacher.locator("#editor-status")).to_contain_text("steps › 1 › views › focus")
    expect(teacher.locator("#editor-status")).to_contain_text("unchanged")
    teacher.click("#editor-close")
    teacher.click("#lang-switch")  # the same file, refused in Korean
    teacher.click("#lesson-edit")
    teacher.set_input_files(
        "#editor-file",
        files=[
            {"name": "bad.json", "mimeType": "application/json", "buffer": json.dumps(bad).encode()}
        ],
    )
    expect(teacher.locator("#editor-status")).to_contain_text("중 하나여야 합니다")
    screenshot(teacher, "lesson-files-refused-ko-1920x1080.png")
    teacher.click("#editor-close")
    teacher.click("#lang-switch")
    teacher.click("#lesson-edit")
    teacher.set_input_files("#editor-file", str(path))
    expect(teacher.locator("#editor-status")).to_contain_text("Opened “Learning rates”: 3 steps.")
    teacher.click("#editor-close")
    expect(teacher.locator("#lesson-title")).to_have_text("Too large a step")
    expect(teacher.locator("#lesson-count")).to_have_text("Step 1 / 3")

    # --- it goes to a class: three students vote, discuss, vote again
    teacher.click("#share-open")
    teacher.click("#room-start")
    expect(teacher.locator("#share-title")).to_contain_text("Join the class")
    code = teacher.text_content("#room-code")
    teacher.click("#share-close")
    key = teacher.evaluate("JSON.parse(sessionStorage.getItem('gdviz-teaching')).key")
    with httpx.Client(base_url=server_url) as api:
        for _ in range(100):
            lesson = api.get(f"/api/rooms/{code}").json()["lesson"]
            if lesson:
                break
            teacher.wait_for_timeout(100)
        assert lesson["title"] == {"en": "Learning rates"} and len(lesson["steps"]) == 3
        assert '"answer"' not in json.dumps(lesson) and '"why"' not in json.dumps(lesson)
    students = [
        browsers.page(f"/?room={code}"),
        browsers.page(f"/?room={code}#lang=ko"),
        browsers.page(f"/?room={code}"),
    ]
    for student in students:
        expect(student.locator("#room-step")).to_contain_text(
            "Too large a step" if student is not students[1] else "Too large"
        )
    teacher.click("#room-ask")
    for student in students:
        expect(student.locator("#room-prompt")).to_have_text("lr = 0.5: the loss will…")
        # staged as the built-in lesson's steps are: held at its start until the reveal
        student.wait_for_function(
            "(() => { const d = document.getElementById('app').dataset; return d.epoch === '0' && d.playing === 'false'; })()"
        )
        assert "diverge" not in student.inner_text("#banner").lower()
    students[0].fill("#room-your-name", "Ada")
    for student, choice in zip(students, (0, 0, 2), strict=True):
        student.click(f"#room-choices [data-choice='{choice}']")
        expect(student.locator("#room-mine")).not_to_be_empty()
    expect(teacher.locator("#room-count")).to_have_text("3 answers")
    teacher.click("#room-revote")
    for student in students:
        expect(student.locator("#room-round")).not_to_be_empty()
        expect(student.locator("#room-mine")).to_be_empty()
    expect(students[0].locator("#room-note")).to_contain_text("Round 2")
    for student, choice in zip(students, (2, 1, 2), strict=True):
        student.click(f"#room-choices [data-choice='{choice}']")
    expect(teacher.locator("#room-count")).to_have_text("3 answers")
    teacher.click("#room-reveal")
    for page in (teacher, *students):
        expect(page.locator("#room-rounds table")).to_be_visible()
    expect(teacher.locator("#room-rounds .changes")).to_have_text(
        "2 of 3 changed their mind: A → B 1, A → C 1"
    )
    expect(students[1].locator("#room-rounds .changes")).to_contain_text(
        "3명 중 2명이 생각을 바꿨습니다"
    )
    screenshot(teacher, "lesson-files-revote-teacher-en-1920x1080.png")
    screenshot(students[1], "lesson-files-revote-student-ko-1366x768.png")

    with httpx.Client(base_url=server_url) as api:
        got = api.get(f"/api/rooms/{code}/answers.csv", headers={"Authorization": f"Bearer {key}"})
        assert api.get(f"/api/rooms/{code}/answers.csv").status_code == 401
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert [(r["round"], r["answer"], r["correct"]) for r in rows] == [
        ("1", "0", "wrong"),
        ("1", "0", "wrong"),
        ("1", "2", "right"),
        ("2", "2", "right"),
        ("2", "1", "wrong"),
        ("2", "2", "right"),
    ]
    assert rows[0]["name"] == "Ada" and rows[3]["name"] == "Ada"
