"""Benchmark 6: the page in headless Chromium streaming 2,000 epochs at full speed ("live"):
long tasks (> 50 ms, PerformanceObserver) during playback — goal 0 — and frames per second —
goal ≥ 55."""

import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from common import Figure
from support import running_server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
EPOCHS = 2000
GOAL_LONG_TASKS, GOAL_FPS = 0, 55.0

# Installed before any page script: long tasks and animation frames, timestamped.
PROBE = """
window.__perf = {long: [], frames: []};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__perf.long.push([e.startTime, e.duration]);
}).observe({type: 'longtask', buffered: true});
(function tick(t) {
  const app = document.getElementById('app');
  window.__perf.frames.push([t, app ? app.dataset.epoch : null]);
  requestAnimationFrame(tick);
})(performance.now());
"""


def watch_playback(url: str) -> dict:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.add_init_script(PROBE)
        page.goto(f"{url}/#speed=live")  # the lesson's run first, so the page and its surfaces are built
        page.wait_for_function("(() => { const d = document.getElementById('app').dataset; "
                               "return d.status === 'completed' && d.epoch === '100'; })()", timeout=60_000)
        page.wait_for_timeout(1000)  # let the last redraws settle
        t0 = page.evaluate("performance.now()")
        page.evaluate(f"location.hash = 'epochs={EPOCHS}&speed=live'")
        page.wait_for_function(
            f"(() => {{ const d = document.getElementById('app').dataset; "
            f"return d.status === 'completed' && d.epoch === '{EPOCHS}'; }})()", timeout=120_000)
        t1 = page.evaluate("performance.now()")
        perf = page.evaluate("window.__perf")
        browser.close()
    long_tasks = [(s - t0, d) for s, d in perf["long"] if t0 <= s <= t1]
    frames = [(t, epoch) for t, epoch in perf["frames"] if t0 <= t <= t1]
    # Playback: from the first frame that shows an epoch of the new run (the run before ended at 100;
    # the new one shows 0 until its first epochs arrive) to the last.
    shown = next((i for i, (_, e) in enumerate(frames) if e not in ("0", "100")), len(frames) - 1)
    playback = [t for t, _ in frames[shown:]]
    seconds = (playback[-1] - playback[0]) / 1000 if len(playback) > 1 else 0.0
    return {"long": long_tasks, "fps": (len(playback) - 1) / seconds if seconds else 0.0, "seconds": (t1 - t0) / 1000,
            "to_first_s": (frames[shown][0] - t0) / 1000 if frames else 0.0, "playback_s": seconds}


def measure_on(url: str) -> list[Figure]:
    result = watch_playback(url)
    longest = max((d for _, d in result["long"]), default=0.0)
    return [
        Figure(f"6 browser: long tasks, {EPOCHS} epochs live", f"{GOAL_LONG_TASKS}",
               f"{len(result['long'])} (longest {longest:.0f} ms) over {result['seconds']:.1f} s",
               len(result["long"]) <= GOAL_LONG_TASKS,
               note="long tasks (start after the run began, duration), ms: "
                    + ", ".join(f"({s:.0f}, {d:.0f})" for s, d in result["long"])),
        Figure("6 browser: frames per second during playback", f"≥ {GOAL_FPS:.0f}",
               f"{result['fps']:.1f} over {result['playback_s']:.2f} s", result["fps"] >= GOAL_FPS,
               note=f"playback starts when the first epoch is on screen, {result['to_first_s'] * 1e3:.0f} ms after "
                    "the run was asked for (the job's creation and the views' reset come before it)"),
    ]


def measure() -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp) / "server.log") as server:
        return measure_on(server.url)


if __name__ == "__main__":
    from common import print_table

    print_table(measure())
