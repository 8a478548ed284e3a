"""A class in Chromium: a teacher's page and three students' (one a phone) through join → question
→ answers → reveal → run → next run followed; a late joiner; a student who never answers; a point
question revealed as dots on the contour with the run over them.

Set GDVIZ_SCREENSHOTS=1 to write the projector and phone screenshots to docs/screenshots/.
"""

from collections.abc import Iterator

import pytest
from conftest import screenshot
from playwright.sync_api import Browser, Page, expect

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


class Class:
    """Pages in one browser, each with its own context (its own storage: its own student id)."""

    def __init__(self, browser: Browser, base: str) -> None:
        self.browser, self.base = browser, base
        self.contexts = []
        self.errors: list[str] = []

    def page(self, path: str, **options) -> Page:
        context = self.browser.new_context(
            **({"viewport": {"width": 1366, "height": 768}} | options)
        )
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(40_000)  # four pages and a server share a busy machine
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        page.on(
            "console",
            lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None,
        )
        page.goto(f"{self.base}{path}")
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def klass(browser: Browser, server_url: str) -> Iterator[Class]:
    """Pytest-playwright's browser (Debian's Chromium, see conftest.py): one Playwright per worker."""
    klass = Class(browser, server_url)
    yield klass
    klass.close()
    assert not klass.errors, klass.errors


def data(page: Page, key: str) -> str:
    return page.eval_on_selector("#app", f"e => e.dataset.{key}")


def wait_job(page: Page, job: str) -> None:
    page.wait_for_function(f"document.getElementById('app').dataset.job === '{job}'")


def new_job(page: Page, old: str) -> str:
    """The job of the page's next run, once it has one."""
    page.wait_for_function(
        f"(() => {{ const j = document.getElementById('app').dataset.job; return j && j !== '{old}'; }})()"
    )
    return data(page, "job")


def at_start(page: Page) -> None:
    page.wait_for_function(
        "(() => { const d = document.getElementById('app').dataset; return d.epoch === '0' && d.playing === 'false'; })()"
    )


def finished(page: Page) -> None:
    page.wait_for_function(
        "(() => { const d = document.getElementById('app').dataset; return d.playing === 'false' && d.status !== 'running' && d.status !== 'starting'; })()",
        timeout=60_000,
    )


def to_end(page: Page) -> None:
    """Once the run is done, its last epoch without the 5 s of playback (the page's "jump to end")."""
    page.wait_for_function(
        "!['running', 'starting'].includes(document.getElementById('app').dataset.status)",
        timeout=60_000,
    )
    page.eval_on_selector("#to-end", "b => b.click()")
    finished(page)


def start_class(teacher: Page) -> str:
    teacher.click("#share-open")
    teacher.click("#room-start")
    expect(teacher.locator("#share-title")).to_contain_text("Join the class")
    code = teacher.text_content("#room-code")
    assert code and len(code) == 6
    assert teacher.text_content("#share-link").endswith(f"/?room={code}")
    teacher.click("#share-close")
    return code


def answers_shown(page: Page, n: int) -> None:
    expect(page.locator("#room-count")).to_have_text(f"{n} answer{'s' if n != 1 else ''}")


def test_a_class_predicts_then_watches(klass: Class) -> None:
    teacher = klass.page("/#lesson=10&speed=2", viewport={"width": 1920, "height": 1080})
    to_end(teacher)
    code = start_class(teacher)
    key = teacher.evaluate("JSON.parse(sessionStorage.getItem('gdviz-teaching')).key")
    first_job = data(teacher, "job")

    students = [klass.page(f"/?room={code}") for _ in range(2)] + [
        klass.page(f"/?room={code}", **PHONE)
    ]
    phone = students[2]
    for student in students:  # join: the teacher's run, read-only, the lesson step shown
        expect(student.locator("#room-code")).to_have_text(code)
        wait_job(student, first_job)
        expect(student.locator("#room-step")).to_contain_text("Step 10")
        assert student.is_disabled("#run")
        assert key not in student.content() and key not in student.url

    # the lesson step's ready question, asked with one key: every screen goes back to the start
    teacher.keyboard.press("q")
    for page in [teacher, *students]:
        expect(page.locator("#room-question")).to_be_visible()
        expect(page.locator("#room-prompt")).to_have_text("lr = 0.5: the loss will…")
        at_start(page)
        assert page.evaluate("document.body.classList.contains('predicting')")
        expect(page.locator("#banner")).not_to_be_visible()  # "the loss diverged" gives it away
    expect(students[0].locator("#room-choices button.choice")).to_have_count(3)
    expect(teacher.locator("#room-choices button")).to_have_count(0)  # the teacher does not answer

    students[0].click("#room-choices [data-choice='2']")
    phone.click("#room-choices [data-choice='0']")
    phone.click("#room-choices [data-choice='1']")  # changes her mind: still one answer
    expect(phone.locator("#room-choices .mine")).to_have_attribute("data-choice", "1")
    # students[1] never answers
    for page in [teacher, *students]:
        answers_shown(page, 2)
        expect(page.locator("#room-choices .n")).to_have_count(0)  # how many, not what
    screenshot(phone, "room-phone-390x844.png")

    teacher.click("#room-reveal")
    for page in [teacher, *students]:
        expect(page.locator("#room-question")).to_have_attribute("data-revealed", "true")
        expect(page.locator("#room-choices .n")).to_have_text(["0", "1", "1"])
        expect(page.locator("#room-why")).to_be_visible()
    expect(students[1].locator("#room-choices button")).to_have_count(0)  # too late to answer

    # then the run plays, on every screen, from its start
    teacher.click("#room-run-it")
    for page in [teacher, *students]:
        page.wait_for_function("Number(document.getElementById('app').dataset.epoch) > 5")
        assert data(page, "job") == first_job

    # a late joiner gets the current state: the run, the revealed question
    late = klass.page(f"/?room={code}")
    wait_job(late, first_job)
    expect(late.locator("#room-question")).to_have_attribute("data-revealed", "true")
    expect(late.locator("#room-choices .n")).to_have_text(["0", "1", "1"])

    # the next run (the lesson's step before) is followed too
    teacher.click("#lesson-prev")
    next_job = new_job(teacher, first_job)
    for student in [*students, late]:
        wait_job(student, next_job)
        expect(student.locator("#room-step")).to_contain_text("Step 9")

    # the player follows the teacher's: pause and reset
    to_end(teacher)
    teacher.click("#reset")
    for student in students:
        at_start(student)

    # the step's point question: predictions as dots, the run over them, on the projector
    teacher.keyboard.press("p")
    teacher.keyboard.press("q")
    for student in students:
        expect(student.locator("#room-question")).to_have_attribute("data-kind", "point")
    for i, student in enumerate(students):
        box = student.locator("#chart-contour .nsewdrag").bounding_box()
        assert box
        student.locator("#chart-contour .nsewdrag").click(
            position={"x": box["width"] * (0.55 + 0.05 * i), "y": box["height"] * (0.3 + 0.05 * i)}
        )
        expect(student.locator("#room-mine")).to_contain_text("Answer sent")
    answers_shown(teacher, 3)
    teacher.click("#room-reveal")
    teacher.wait_for_function(
        "document.querySelector('#chart-contour canvas.trails').predictions === 3"
    )
    late.wait_for_function(
        "document.querySelector('#chart-contour canvas.trails').predictions === 3"
    )
    teacher.click("#room-run-it")
    teacher.wait_for_function("Number(document.getElementById('app').dataset.epoch) > 5")
    to_end(teacher)
    screenshot(teacher, "room-projector-1920.png")


def test_a_student_sends_a_run_the_teacher_shows(klass: Class) -> None:
    teacher = klass.page("/#epochs=20&speed=live")
    finished(teacher)
    code = start_class(teacher)
    student = klass.page(f"/?room={code}")
    wait_job(student, data(teacher, "job"))

    student.click("#room-pace")  # her own pace: the form is hers
    assert not student.is_disabled("#run")
    student.fill("#room-name", "<b>Ann</b>")
    student.click("#run")
    own = new_job(student, data(teacher, "job"))
    student.click("#room-send")
    expect(student.locator("#room-status")).to_have_text("run sent to the teacher")

    expect(teacher.locator("#room-runs-count")).to_have_text("1")
    teacher.click("#room-runs-open")
    expect(teacher.locator("#room-runs-list li span")).to_have_text("<b>Ann</b>")  # as text
    teacher.click("#room-runs-list button")
    wait_job(teacher, own)

    teacher.click("#run")  # the teacher runs again: she is at her own pace, so it is offered
    new_job(teacher, own)
    expect(student.locator("#room-catch-up")).to_have_class("new-run")
    assert data(student, "job") == own
    student.click("#room-catch-up")
    wait_job(student, data(teacher, "job"))
    assert student.is_disabled("#run")


def test_a_rooms_texts_are_shown_as_text(klass: Class, server_url: str) -> None:
    import httpx
    from test_escaping import CLEAN, INJECTED, X_NAME, Y_NAME

    with httpx.Client(base_url=server_url) as api:
        made = api.post("/api/rooms").json()
        auth = {"Authorization": f"Bearer {made['teacher_key']}"}
        job = api.post("/api/jobs", json={"epochs": 5}).json()["id"]
        api.put(f"/api/rooms/{made['code']}/job", json={"job": job}, headers=auth)
        question = {"kind": "choice", "prompt": X_NAME, "choices": [Y_NAME, "plain"], "why": X_NAME}
        qid = api.post(f"/api/rooms/{made['code']}/questions", json=question, headers=auth).json()
        api.post(f"/api/rooms/{made['code']}/questions/{qid['id']}/reveal", headers=auth)
    student = klass.page(f"/?room={made['code']}")
    expect(student.locator("#room-prompt")).to_have_text(X_NAME)
    expect(student.locator("#room-choices .label").first).to_have_text(f"A {Y_NAME}")
    expect(student.locator("#room-why")).to_have_text(X_NAME)
    assert student.evaluate(INJECTED) == CLEAN


def test_students_are_told_when_the_teacher_ends_the_class(klass: Class, server_url: str) -> None:
    import httpx

    with httpx.Client(base_url=server_url) as api:
        made = api.post("/api/rooms").json()
        auth = {"Authorization": f"Bearer {made['teacher_key']}"}
        student = klass.page(f"/?room={made['code']}")
        expect(student.locator("#room-status")).to_have_text("following the teacher")
        assert api.delete(f"/api/rooms/{made['code']}", headers=auth).status_code == 200
    expect(student.locator("#room-status")).to_have_text("the class has ended", timeout=5_000)
