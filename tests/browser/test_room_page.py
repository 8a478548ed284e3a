"""A class in Chromium: a teacher (1920×1080), three students (1366×768 in English and in Korean, a
390×844 phone) and a follower on the projector (1280×720) through a lesson step's predict-then-run
loop: the step opened and staged, the question asked, answered, revealed, the run played, the next
step; a phone student answering a point question; a student's run shown to the class; a late joiner.
Each moment asserts what every screen shows, and that no screen shows the run's outcome before it
is played: no divergence banner, no "diverged at", no loss past epoch 0, no spoiler title, the
views' axes at the start's scale.

Set GDVIZ_SCREENSHOTS=1 to write each moment's screenshots to docs/screenshots/.
"""

import contextlib
import math
import time
from collections.abc import Iterator

import httpx
import pytest
from conftest import screenshot
from playwright.sync_api import Browser, Page, TimeoutError as PlaywrightTimeout, expect

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


def screens(page: Page) -> dict:
    """What a page shows of its run: the epoch, the banner, the loss curve's points, the names and
    edge marks of diverged runs, the loss and contour views' axes, the room bar and the lesson band."""
    return page.evaluate(
        """() => {
          const app = document.getElementById('app').dataset;
          const shown = (id) => { const e = document.getElementById(id); return Boolean(e && e.offsetParent) && getComputedStyle(e).visibility !== 'hidden'; };
          const loss = document.getElementById('chart-loss');
          const contour = document.getElementById('chart-contour');
          const trails = contour.querySelector('canvas.trails');
          const ly = loss._fullLayout.yaxis;
          return {
            epoch: Number(app.epoch), playing: app.playing === 'true', status: app.status, job: app.job,
            banner: shown('banner'), progress: shown('progress-box'),
            lossPoints: Math.max(0, ...loss.data.slice(0, -1).filter((t, i) => i % 3 === 1).map((t) => t.y.length)),
            lossTop: ly.type === 'log' ? 10 ** ly.range[1] : ly.range[1],
            names: [...loss.data, ...contour.data].map((t) => t.name || '').join(' | '),
            edges: (trails.edges || []).length,
            w: contour._fullLayout.xaxis.range, b: contour._fullLayout.yaxis.range,
            step: document.getElementById('room-step').textContent,
            lesson: shown('lesson') ? document.getElementById('lesson').innerText : '',
            // what the page says, bar the question card (its choices name every outcome)
            // (and the screen reader's log of what was said before, which is the last run's)
            text: ['topbar', 'lesson', 'banner', 'controls', 'views', 'player'].map((id) => document.getElementById(id).innerText).join(' ')
              .replace(document.getElementById('announcer').innerText, ''),
          };
        }"""
    )


SPOILERS = ("diverge", "infinite", "too large", "발산", "무한대", "너무 클")


def no_outcome(page: Page, *, epoch: int = 0) -> dict:
    """The page shows the run at `epoch`, paused, and nothing of how it ends."""
    s = screens(page)
    assert s["epoch"] == epoch and not s["playing"], s
    assert not s["banner"] and not s["progress"], s  # "diverged at epoch 61", "received 60 / 100"
    assert s["lossPoints"] == epoch, s  # no loss beyond the cursor
    assert s["edges"] == 0 and "diverged" not in s["names"], s
    for word in SPOILERS:
        assert word not in s["text"].lower(), (word, s["text"])
    # the axes at the scale of the path so far (the start's, at epoch 0), not of its end (w ~ 1e18)
    bound = 1e3 if epoch == 0 else 1e9
    top = 10 * math.hypot(*[max(abs(v) for v in s[k]) for k in ("w", "b")])
    assert top < bound and s["lossTop"] < bound, s
    return s


def wait_server(server_url: str, job: str, status: str) -> None:
    """The job has ended on the server: its outcome is there to be spoiled."""
    with httpx.Client(base_url=server_url) as api:
        for _ in range(600):
            if api.get(f"/api/jobs/{job}").json()["status"] == status:
                return
            time.sleep(0.1)
    raise AssertionError(f"job {job} never became {status}")


def room_run(server_url: str, code: str, step: int) -> str:
    """The job the room shows once it shows lesson step `step`."""
    with httpx.Client(base_url=server_url) as api:
        for _ in range(600):
            run = api.get(f"/api/rooms/{code}").json()["run"]
            if run and run["step"] == step:
                return run["job"]
            time.sleep(0.1)
    raise AssertionError(f"the room never showed step {step}")


def shoot(pages: dict[str, Page], moment: str, only: tuple[str, ...] = ()) -> None:
    for name, page in pages.items():
        if not only or name in only:
            screenshot(page, f"room-{moment}-{name}.png")


def test_a_lesson_question_is_staged_for_a_teacher_and_three_students(
    klass: Class, server_url: str
) -> None:
    teacher = klass.page("/#lesson=9", viewport={"width": 1920, "height": 1080})
    finished(teacher)
    code = start_class(teacher)  # the step open is run again, staged for the class
    key = teacher.evaluate("JSON.parse(sessionStorage.getItem('gdviz-teaching')).key")
    first_job = room_run(server_url, code, step=9)
    student = klass.page(f"/?room={code}")
    korean = klass.page(f"/?room={code}#lang=ko")
    phone = klass.page(f"/?room={code}", **PHONE)
    projector = klass.page(f"/?room={code}#projector=1", viewport={"width": 1280, "height": 720})
    students = [student, korean, phone]
    followers = [*students, projector]
    everyone = [teacher, *followers]
    shots = {
        "teacher": teacher,
        "student": student,
        "ko": korean,
        "phone": phone,
        "projector": projector,
    }
    for page in followers:
        expect(page.locator("#room-code")).to_have_text(code)
        wait_job(page, first_job)
        assert page.is_disabled("#run") and key not in page.content() and key not in page.url

    # 1. the teacher opens step 10: every screen shows its setup at epoch 0, and nothing moves
    teacher.click("#lesson-next")
    job = room_run(server_url, code, step=10)
    for page in followers:
        wait_job(page, job)
    wait_server(server_url, job, "diverged")  # the run has diverged on the server already
    teacher.wait_for_timeout(1500)  # and its events have reached every page
    for page in everyone:
        no_outcome(page)
        expect(page.locator("#room-question")).to_be_hidden()
    for page in (student, phone, projector):
        expect(page.locator("#room-step")).to_have_text("Step 10: Learning rate 0.5")
        assert page.is_disabled("#play") and page.is_disabled("#scrubber")  # held by the teacher
    expect(korean.locator("#room-step")).to_have_text("10단계: 학습률 0.5")
    expect(teacher.locator("#room-step")).to_have_text("Step 10: Learning rate 0.5")
    expect(teacher.locator("#lesson-title")).to_have_text("Learning rate 0.5")
    expect(teacher.locator("#lesson-mode")).to_have_text("mode: sgd (full batch)")
    shoot(shots, "1-staged", only=("teacher", "ko"))

    # the teacher's Play waits for the question's reveal; the caption is hers to see
    teacher.click("#lesson-spoil")
    expect(teacher.locator("#lesson-title")).to_have_text("Learning rate: too large (0.5)")
    teacher.click("#lesson-spoil")
    expect(teacher.locator("#lesson-title")).to_have_text("Learning rate 0.5")

    # 2. she asks (Q): the prompt and choices on every screen, each in its page's language
    teacher.keyboard.press("q")
    for page in everyone:
        expect(page.locator("#room-question")).to_be_visible()
        expect(page.locator("#room-choices .right")).to_have_count(0)
    for page in (teacher, student, phone, projector):
        expect(page.locator("#room-prompt")).to_have_text("lr = 0.5: the loss will…")
    expect(korean.locator("#room-prompt")).to_have_text("학습률 0.5: 손실은…")
    expect(korean.locator("#room-choices [data-choice='2']")).to_contain_text("발산한다")
    expect(teacher.locator("#room-key")).to_have_text("Answer: C (the class sees it at the reveal)")
    for page in followers:  # the answer stays with the teacher
        expect(page.locator("#room-key")).to_be_empty()
        assert page.evaluate("document.getElementById('room-why').textContent") == ""
    teacher.keyboard.press("Space")  # Play before the reveal: refused, and said why
    expect(teacher.locator("#room-note")).to_contain_text("Reveal the answers first")
    teacher.wait_for_timeout(500)
    for page in everyone:
        no_outcome(page)
    shoot(shots, "2-asked", only=("phone",))

    # 3. students answer while the run is unseen; how many, not what
    student.click("#room-choices [data-choice='2']")
    phone.click("#room-choices [data-choice='0']")
    phone.click("#room-choices [data-choice='1']")  # changes her mind: still one answer
    korean.click("#room-choices [data-choice='2']")
    expect(phone.locator("#room-choices .mine")).to_have_attribute("data-choice", "1")
    for page in everyone:
        expect(page.locator("#room-count")).to_have_text(
            "답 3개" if page is korean else "3 answers"
        )
        expect(page.locator("#room-choices .n")).to_have_count(0)
        no_outcome(page)

    # 4. the reveal: the distribution and the right answer for everyone, the run still unseen
    teacher.click("#room-reveal")
    for page in everyone:
        expect(page.locator("#room-question")).to_have_attribute("data-revealed", "true")
        expect(page.locator("#room-choices .n")).to_have_text(["0", "1", "2"])
        expect(page.locator("#room-choices .right")).to_have_attribute("data-choice", "2")
        expect(page.locator("#room-why")).to_be_visible()
        no_outcome(page)
    expect(korean.locator("#room-why")).to_contain_text("바닥")
    expect(teacher.locator("#room-key")).to_be_empty()
    shoot(shots, "3-revealed", only=("projector",))

    # 5. ▶ Run it plays the run over the predictions on every screen, at the teacher's speed
    teacher.select_option("#speed", "0.25")
    teacher.click("#room-run-it")
    teacher.wait_for_function("Number(document.getElementById('app').dataset.epoch) >= 2")
    teacher.keyboard.press("Space")  # paused mid-run: what the class sees while it runs
    teacher.wait_for_function("document.getElementById('app').dataset.playing === 'false'")
    at = int(data(teacher, "epoch"))
    assert 2 <= at < 20
    for page in followers:
        page.wait_for_function(
            f"(() => {{ const d = document.getElementById('app').dataset; return d.epoch === '{at}' && d.playing === 'false'; }})()"
        )
        expect(page.locator("#speed")).to_have_value("0.25")  # the teacher's speed
        assert not page.is_disabled("#play")  # no longer held
    for page in everyone:
        no_outcome(page, epoch=at)  # the path so far, at its own scale; the outcome still unsaid
    expect(student.locator("#room-step")).to_have_text("Step 10: Learning rate 0.5")
    shoot(shots, "4-running", only=("projector",))

    # ... and at its end the outcome shows: the banner, where it diverged, the step's own title
    teacher.click("#to-end")
    for page in followers:
        expect(page.locator("#banner")).to_contain_text(
            "epoch 61" if page is not korean else "epoch 61에서"
        )
        expect(page.locator("#room-step")).to_contain_text(
            "너무 클 때" if page is korean else "Learning rate: too large (0.5)"
        )
    expect(teacher.locator("#lesson-title")).to_have_text("Learning rate: too large (0.5)")
    teacher.wait_for_function(
        "document.querySelector('#chart-contour canvas.trails').edges?.[0]?.text.includes('diverged at epoch 61')"
    )

    # a late joiner gets the room as it is: the revealed question, the played run
    late = klass.page(f"/?room={code}")
    wait_job(late, job)
    expect(late.locator("#room-question")).to_have_attribute("data-revealed", "true")
    expect(late.locator("#room-choices .n")).to_have_text(["0", "1", "2"])

    # 6. the next step (step 3) closes the card on every screen and is staged in turn
    for _ in range(7):
        teacher.keyboard.press("ArrowLeft")
    step3 = room_run(server_url, code, step=3)
    for page in [*followers, late]:
        wait_job(page, step3)
        expect(page.locator("#room-question")).to_be_hidden()
    wait_server(server_url, step3, "completed")
    teacher.wait_for_timeout(1000)
    for page in everyone:
        no_outcome(page)
    expect(student.locator("#room-step")).to_have_text("Step 3: Gradient descent by hand")
    expect(korean.locator("#room-step")).to_have_text("3단계: 직접 짠 경사하강법")
    for page in everyone:  # the step's gradient arrow, on every screen
        page.wait_for_function(
            "document.querySelector('#chart-contour canvas.trails').gradients?.arrows.length === 1"
        )
    shoot(shots, "5-next-step", only=("projector",))
    # ▶ Play with no question open plays it for everyone
    teacher.keyboard.press("Space")
    for page in followers:
        page.wait_for_function("Number(document.getElementById('app').dataset.epoch) > 3")


def tap(page: Page, fx: float = 0.5, fy: float = 0.5) -> None:
    """A finger on the contour's plot, at a fraction of its width and height."""
    area = page.locator("#chart-contour .nsewdrag")
    box = area.bounding_box()
    assert box
    area.tap(position={"x": box["width"] * fx, "y": box["height"] * fy})


def predictions(page: Page, n: int) -> None:
    page.wait_for_function(
        f"document.querySelector('#chart-contour canvas.trails').predictions === {n}"
    )


CONTOUR_CLEAR_OF_THE_CARD = """() => {
  const plot = document.querySelector('#chart-contour .nsewdrag').getBoundingClientRect();
  const card = document.getElementById('room-question').getBoundingClientRect();
  return plot.top >= 0 && plot.bottom <= card.top;
}"""


def test_a_phone_student_answers_a_point_question(klass: Class, server_url: str) -> None:
    teacher = klass.page("/#lesson=3", viewport={"width": 1920, "height": 1080})
    finished(teacher)
    code = start_class(teacher)
    job = room_run(server_url, code, step=3)
    phone = klass.page(f"/?room={code}", **PHONE)
    projector = klass.page(f"/?room={code}#projector=1", viewport={"width": 1280, "height": 720})
    for page in (phone, projector):
        wait_job(page, job)

    # a tap with no question open starts nothing on a follower's page, and says why
    phone.locator("#view-contour").scroll_into_view_if_needed()
    tap(phone)
    expect(phone.locator("#banner")).to_contain_text("You are following the teacher")
    assert data(phone, "job") == job and data(phone, "status") != "starting"

    # the point question: on the phone, the contour and the card each have their own space
    teacher.keyboard.press("q")
    card = phone.locator("#room-question")
    expect(card).to_have_attribute("data-kind", "point")
    expect(phone.locator("#room-prompt")).to_contain_text("Click where the run will end")
    with contextlib.suppress(PlaywrightTimeout):  # scrolled to the contour: slower when busy
        phone.wait_for_function(CONTOUR_CLEAR_OF_THE_CARD, timeout=5_000)
    plot = phone.locator("#chart-contour .nsewdrag").bounding_box()
    sheet = card.bounding_box()
    assert plot and sheet
    assert plot["y"] >= 0 and plot["y"] + plot["height"] <= sheet["y"], (plot, sheet)
    # the ★ and the least-squares numbers would be the answer: not shown while the class predicts
    for page in (teacher, phone, projector):
        page.wait_for_function("document.getElementById('chart-contour').data[1].visible === false")
        expect(page.locator("#readout-fit")).to_be_hidden()
    shoot({"phone": phone}, "6-point-asked")

    tap(phone, 0.62, 0.55)
    expect(phone.locator("#room-mine")).to_contain_text("Answer sent")
    expect(phone.locator("#room-choices .hint")).to_contain_text("Your prediction: w =")
    tap(phone, 0.7, 0.6)  # changes her mind: still one answer
    answers_shown(teacher, 1)

    # the reveal: the dots on every screen, big enough for the back of the room
    teacher.click("#room-reveal")
    for page in (teacher, phone, projector):
        predictions(page, 1)
        page.wait_for_function("document.getElementById('chart-contour').data[1].visible !== false")
    assert (
        projector.eval_on_selector("#chart-contour canvas.trails", "c => c.predictionSize") >= 24
    )  # px across on the projector
    # a tap once answers are closed is not lost silently
    tap(phone, 0.3, 0.3)
    expect(phone.locator("#room-note")).to_have_text(
        "Answers are closed: the teacher has revealed them."
    )
    teacher.click("#room-run-it")
    projector.wait_for_function("Number(document.getElementById('app').dataset.epoch) > 5")
    shoot({"projector": projector}, "7-point-run")

    # the teacher closes the question (X): the card and its dots leave every screen
    teacher.keyboard.press("x")
    for page in (teacher, phone, projector):
        expect(page.locator("#room-question")).to_be_hidden()
        predictions(page, 0)


def test_a_student_sends_a_run_the_teacher_shows(klass: Class) -> None:
    teacher = klass.page("/#epochs=20&speed=live")
    finished(teacher)
    code = start_class(teacher)
    student = klass.page(f"/?room={code}")
    other = klass.page(f"/?room={code}#lang=ko")
    wait_job(student, data(teacher, "job"))
    expect(student.locator("#follow-badge")).to_contain_text("read-only")

    student.click("#room-pace")  # her own pace: the form is hers, and the badge says so
    assert not student.is_disabled("#run")
    expect(student.locator("#follow-badge")).to_have_text(f"class {code} — at your own pace")
    student.fill("#room-name", "<b>Ann</b>")
    student.fill("#lr", "0.05")
    student.click("#run")
    own = new_job(student, data(teacher, "job"))
    student.click("#room-send")
    expect(student.locator("#room-status")).to_have_text("run sent to the teacher")

    expect(teacher.locator("#room-runs-count")).to_have_text("1")
    teacher.click("#room-runs-open")
    expect(teacher.locator("#room-runs-list li span")).to_have_text("<b>Ann</b>")  # as text
    teacher.click("#room-runs-list button")
    wait_job(teacher, own)
    wait_job(other, own)
    # every screen names whose run it is, and the teacher's form shows its settings
    for page in (teacher, student):
        expect(page.locator("#room-step")).to_have_text("<b>Ann</b>'s run")
    expect(other.locator("#room-step")).to_have_text("<b>Ann</b>의 실행")
    expect(teacher.locator("#lr")).to_have_value("0.05")
    expect(other.locator("#lr")).to_have_value("0.05")

    teacher.click("#run")  # the teacher runs again: she is at her own pace, so it is offered
    new_job(teacher, own)
    expect(student.locator("#room-catch-up")).to_have_class("new-run")
    expect(student.locator("#room-step")).to_have_text("")
    assert data(student, "job") == own
    student.click("#room-catch-up")
    wait_job(student, data(teacher, "job"))
    assert student.is_disabled("#run")
    expect(student.locator("#follow-badge")).to_contain_text("read-only")

    # a run sent without a name is "a student's run"
    other.click("#room-pace")
    expect(other.locator("#follow-badge")).to_have_text(f"수업 {code} — 내 속도로 하는 중")
    other.click("#run")
    nameless = new_job(other, data(teacher, "job"))
    other.click("#room-send")
    expect(teacher.locator("#room-runs-count")).to_have_text("2")
    teacher.click("#room-runs-open")
    teacher.click("#room-runs-list li:nth-child(2) button")
    wait_job(student, nameless)
    for page in (teacher, student):
        expect(page.locator("#room-step")).to_have_text("a student's run")


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
