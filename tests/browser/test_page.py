"""The page in a real browser against a real server: runs, player, URL, compare, errors, upload."""

import base64
import json
import re

import pytest
from conftest import App, Watch
from playwright.sync_api import Page, expect


def test_default_run_reaches_epoch_100_with_all_four_views(app: App, page: Page) -> None:
    app.open("speed=live")
    app.finished()
    assert app.data("epoch") == "100"
    expect(page.locator("#progress-text")).to_have_text("received 100 / 100")
    # fit: data points, least-squares line, the current line
    fit = app.trace_lengths("fit")
    assert fit[0] == 20 and fit[1] == 2 and fit[3] == 2
    # loss curve: 100 epochs, the current point
    assert app.trace_lengths("loss")[1:3] == [100, 1]
    # contour: a grid, the minimum; on its overlay the trail from the start (101 points) and the head
    contour = app.trace_lengths("contour")
    assert contour[0] > 10 and contour[1] == 1
    trail = app.trails("contour")[0]
    assert len(trail["x"]) == 101 and trail["head"] == [trail["x"][-1], trail["y"][-1]]
    # 3D: a surface, the lifted trail
    assert app.trace_lengths("surface")[0] > 10
    assert len(app.trails("surface")[0]["z"]) == 101
    # the epoch's loss and gradients come before its step, (w, b) after it
    expect(page.locator("#readout")).to_have_text(
        re.compile(r"^loss = \S+ +∂loss/∂w = \S+ +∂loss/∂b = \S+ +→ step → +w = \S+ +b = \S+$")
    )


def test_player_play_pause_step_scrub_reset(app: App, page: Page) -> None:
    app.open("epochs=40&speed=live")
    app.finished()
    page.click("#reset")
    app.wait(epoch=0, playing=False)
    expect(page.locator("#readout")).to_contain_text(
        "start: w = "
    )  # before any update: no loss yet
    page.click("#step-fwd")
    page.click("#step-fwd")
    app.wait(epoch=2)
    page.click("#step-back")
    app.wait(epoch=1)
    assert app.trace_lengths("loss")[1] == 1
    page.eval_on_selector(
        "#scrubber", "el => { el.value = '25'; el.dispatchEvent(new Event('input')); }"
    )
    app.wait(epoch=25, playing=False)
    assert app.trace_lengths("loss")[1] == 25
    assert len(app.trails("contour")[0]["x"]) == 26
    # slow playback of a finished run takes the same path as live: play, pause midway, then finish
    page.select_option("#speed", "0.25")
    page.click("#play")
    app.wait(playing=True)
    page.wait_for_function("Number(document.getElementById('app').dataset.epoch) >= 26")
    page.click("#play")
    app.wait(playing=False)
    paused_at = int(app.data("epoch"))
    assert 26 <= paused_at < 40
    page.wait_for_timeout(300)
    assert int(app.data("epoch")) == paused_at
    page.select_option("#speed", "8")
    page.click("#play")
    app.wait(epoch=40, playing=False)
    assert "speed=8" in page.url


def test_url_round_trip_reproduces_the_run(app: App, page: Page, server_url: str) -> None:
    app.open("speed=live")
    app.finished()
    page.select_option("#mode", "minibatch")
    app.fill("batch_size", "4")
    app.fill("lr", "0.05")
    app.fill("epochs", "30")
    app.fill("seed", "7")
    app.fill("noise", "0.5")
    page.click("#run")
    app.wait(status="completed", epoch=30, playing=False)
    url = page.url
    for part in ("mode=minibatch", "batch_size=4", "lr=0.05", "epochs=30", "seed=7", "noise=0.5"):
        assert part in url
    readout = page.locator("#readout").inner_text()

    again = page.context.new_page()
    again.goto(url)
    other = App(again, server_url)
    other.wait(status="completed", epoch=30, playing=False)
    assert again.input_value("#mode") == "minibatch"
    assert again.input_value("#batch_size") == "4"
    assert again.input_value("#lr") == "0.05"
    assert again.input_value("#seed") == "7"
    assert again.locator("#readout").inner_text() == readout  # same seed, same numbers
    again.close()


def test_compare_four_runs_overlaid(app: App, page: Page) -> None:
    app.open("epochs=30&speed=live")
    app.finished()
    page.click("#race-optimizers")
    app.wait(status="completed", runs="4", playing=False)
    assert "cmp=" in page.url
    names = app.trace_names("loss")
    for name in ("sgd", "momentum", "adam", "rmsprop"):
        assert name in names
    loss = app.trace_lengths("loss")
    assert [loss[3 * i + 1] for i in range(4)] == [30] * 4
    trails = app.trails("contour")
    assert [len(t["x"]) for t in trails] == [31] * 4
    # same start point for all four
    starts = [[t["x"][0], t["y"][0]] for t in trails]
    assert all(s == starts[0] for s in starts)
    assert [len(t["z"]) for t in app.trails("surface")] == [31] * 4
    colours = page.eval_on_selector(
        "#chart-loss", "el => el.data.filter((t, i) => i % 3 === 1).map(t => t.line.color)"
    )
    assert len(set(colours)) == 4
    # the 3D view's legend is drawn, one entry a run (not only asked for in its layout)
    page.wait_for_function(
        "document.querySelectorAll('#chart-surface .legend .traces').length === 4"
    )
    # the fit view shows the selected run
    page.select_option("#selected-run", "2")
    page.wait_for_function(
        f"document.getElementById('chart-fit').data[3].line.color === '{colours[2]}'"
    )

    page.click("#race-methods")
    app.wait(status="completed", runs="4", playing=False)
    names = app.trace_names("contour")
    for name in ("manual", "sgd", "minibatch", "linear"):
        assert name in names


def test_422_is_shown_next_to_its_field(app: App, page: Page, watch: Watch) -> None:
    watch.allow_http_errors = True
    app.open("epochs=20&speed=live")
    app.finished()
    app.fill("lr", "0")  # out of the schema's bounds: refused at the field, before any request
    page.click("#run")
    expect(page.locator("#err-lr")).to_be_visible()
    expect(page.locator("#err-lr")).to_contain_text("must be > 0")
    # a check that needs the data: batch size larger than n
    page.select_option("#mode", "minibatch")
    app.fill("lr", "0.1")
    expect(page.locator("#err-lr")).to_be_hidden()
    app.fill("batch_size", "500")
    page.click("#run")
    app.wait(status="invalid")
    expect(page.locator("#err-batch_size")).to_be_visible()
    assert page.locator("#err-batch_size").inner_text().strip()


def test_diverged_run_shows_banner_and_keeps_history(app: App, page: Page) -> None:
    app.open("lr=5&epochs=60&speed=live")
    app.finished(status="diverged")
    banner = page.locator("#banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(re.compile(r"loss became infinite at epoch \d+"))
    expect(banner).to_contain_text("— try:")
    expect(page.locator("#banner-fixes button", has_text="lr = ")).to_be_visible()
    kept = app.trace_lengths("loss")[1]
    assert kept >= 1 and kept == int(app.data("received"))


CSV = (
    "<img src=x onerror=alert(1)>,hours,score,note\n"
    + "".join(f"{i * 0.05},{i / 10},{3 * i / 10 + 1 + (i % 3) * 0.2},row{i}\n" for i in range(30))
    + "oops,31,,bad\n"
)


def test_csv_upload_with_hostile_column_name(app: App, page: Page) -> None:
    app.open("epochs=30&speed=live")
    app.finished()
    app.upload("<b>study</b>.csv", CSV)
    expect(page.locator("#upload-name")).to_contain_text("<b>study</b>.csv")
    options = page.eval_on_selector("#col_x", "el => [...el.options].map(o => o.value)")
    assert options[0] == "<img src=x onerror=alert(1)>"
    assert page.locator("img").count() == 0 and page.locator("#upload-name b").count() == 0
    page.select_option("#col_x", "hours")
    page.select_option("#col_y", "score")
    page.click("#run")
    app.wait(status="completed", epoch=30, playing=False)
    assert "data=upload" in page.url and "col_x=hours" in page.url
    # the run before also ended completed at epoch 30: wait for the upload's 30 points themselves
    page.wait_for_function("document.querySelector('#chart-fit').data[0].x.length === 30")
    app.wait(status="completed", epoch=30, playing=False)
    assert app.trace_lengths("fit")[0] == 30
    page.select_option("#col_x", "<img src=x onerror=alert(1)>")
    page.click("#run")
    app.wait(status="completed", epoch=30, playing=False)
    assert page.locator("img").count() == 0


def test_clicking_the_contour_starts_a_run_there(app: App, page: Page) -> None:
    app.open("epochs=30&speed=live")
    app.finished()
    box = page.locator("#chart-contour .nsewdrag").bounding_box()
    window = page.eval_on_selector(
        "#chart-contour", "el => [el._fullLayout.xaxis.range, el._fullLayout.yaxis.range]"
    )
    fx, fy = 0.2, 0.3
    before = app.data("job")
    page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
    (w0, w1), (b0, b1) = window
    want_w = w0 + fx * (w1 - w0)
    want_b = b1 - fy * (b1 - b0)
    page.wait_for_function("location.hash.includes('init_w=')")
    # the new run (the first one, also 30 epochs, may still look completed for a moment)
    page.wait_for_function("j => document.getElementById('app').dataset.job !== j", arg=before)
    app.wait(status="completed", epoch=30, playing=False)
    got_w = float(page.input_value("#init_w"))
    got_b = float(page.input_value("#init_b"))
    assert abs(got_w - want_w) < 0.02 * (w1 - w0) and abs(got_b - want_b) < 0.02 * (b1 - b0)
    trail = app.trails("contour")[0]
    start = [trail["x"][0], trail["y"][0]]
    assert start == pytest.approx([got_w, got_b], abs=1e-5)  # the server keeps float32


def test_exports_csv_json_and_png(app: App, page: Page) -> None:
    app.open("epochs=25&speed=live")
    app.finished()
    with page.expect_download() as dl:
        page.click("#export-csv")
    lines = [ln for ln in open(dl.value.path()).read().splitlines() if not ln.startswith("#")]
    assert lines[0] == "run,label,epoch,loss,w,b,grad_w,grad_b" and len(lines) == 26
    with page.expect_download() as dl:
        page.click("#export-json")
    runs = json.loads(open(dl.value.path()).read())
    assert len(runs[0]["history"]) == 25 and runs[0]["meta"]["total_epochs"] == 25
    with page.expect_download() as dl:
        page.click("#view-loss button.png")
        page.press("#png-title", "Enter")  # the dialog: its title as offered
    assert open(dl.value.path(), "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    # the contour's trail lives on its overlay canvas: the PNG has it too (the run's vermillion)
    with page.expect_download() as dl:
        page.click("#view-contour button.png")
        page.click("#png-dialog button[type=submit]")
    assert dl.value.suggested_filename == "gdviz_contour_sgd-sgd_lr0.1_epoch25.png"
    png = base64.b64encode(open(dl.value.path(), "rb").read()).decode()
    vermillion = page.evaluate(
        """async (src) => {
      const img = new Image(); img.src = 'data:image/png;base64,' + src; await img.decode();
      const c = Object.assign(document.createElement('canvas'), { width: img.width, height: img.height });
      const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - 213) < 12 && Math.abs(d[i + 1] - 94) < 12 && d[i + 2] < 20) n += 1;
      return n; }""",
        png,
    )
    assert vermillion > 200


def test_a_png_for_a_slide_is_named_and_titled_for_its_view_run_epoch_and_lr(
    app: App, page: Page
) -> None:
    app.open("lr=0.05&epochs=30&speed=live")
    app.finished()
    app.page.eval_on_selector(
        "#scrubber", "el => { el.value = '12'; el.dispatchEvent(new Event('input')); }"
    )
    app.wait(epoch=12, playing=False)
    page.click("#view-fit button.png")
    expect(page.locator("#png-heading")).to_have_text("Save “Fit” as PNG")
    expect(page.locator("#png-title")).to_have_value("Fit — sgd · sgd, lr 0.05, epoch 12 of 30")
    expect(page.locator("#png-name")).to_have_text("gdviz_fit_sgd-sgd_lr0.05_epoch12.png")
    page.fill("#png-title", "Fit after 12 epochs")  # the teacher's own words
    with page.expect_download() as dl:
        page.click("#png-dialog button[type=submit]")
    assert dl.value.suggested_filename == "gdviz_fit_sgd-sgd_lr0.05_epoch12.png"
    assert page.eval_on_selector("#chart-fit", "el => el.dataset.pngTitle") == "Fit after 12 epochs"
    titled = page.evaluate(
        """async (src) => { const img = new Image(); img.src = 'data:image/png;base64,' + src;
          await img.decode(); return img.height; }""",
        base64.b64encode(open(dl.value.path(), "rb").read()).decode(),
    )
    page.click("#view-fit button.png")
    page.uncheck("#png-titled")  # optional: no title
    with page.expect_download() as dl:
        page.click("#png-dialog button[type=submit]")
    assert page.eval_on_selector("#chart-fit", "el => el.dataset.pngTitle") == ""
    plain = page.evaluate(
        """async (src) => { const img = new Image(); img.src = 'data:image/png;base64,' + src;
          await img.decode(); return img.height; }""",
        base64.b64encode(open(dl.value.path(), "rb").read()).decode(),
    )
    assert titled > plain  # the title's band over the chart


def test_no_request_leaves_the_origin(app: App, page: Page, watch: Watch) -> None:
    app.open("speed=live&resid=1&arrows=1&log=1")
    app.finished()
    assert any(u.endswith("/vendor/plotly.min.js") for u in watch.requests)
    assert any("/api/streams?jobs=" in u for u in watch.requests)
    assert watch.problems() == []


def test_streaming_2000_epochs_does_not_freeze(app: App, page: Page) -> None:
    # Every Plotly call per chart, timestamped. (Long tasks and frame times are timing, measured by
    # bench/browser.py; this test checks what the page redraws.)
    page.add_init_script("""
      window.__plotly = [];
      let real;
      Object.defineProperty(window, 'Plotly', { configurable: true, get: () => real, set(v) {
        real = v;
        for (const name of ['newPlot', 'react', 'restyle', 'relayout', 'update']) {
          const f = v[name];
          v[name] = (gd, ...rest) => { window.__plotly.push([gd.id, performance.now()]); return f(gd, ...rest); };
        }
      } });
    """)
    # The page and its surfaces are built first (a one-off of a few hundred ms in software WebGL) ...
    app.open("speed=live")
    app.finished()
    page.wait_for_function("document.getElementById('chart-surface').data[0].z.length > 0")
    page.wait_for_timeout(500)
    # ... then 2,000 epochs stream at full speed on the same data: the surfaces stay, the views move.
    t0 = page.evaluate("performance.now()")
    page.evaluate("location.hash = 'epochs=2000&speed=live'")
    app.wait(status="completed", epoch=2000, playing=False)
    t1 = page.evaluate("performance.now()")
    assert app.trace_lengths("loss")[1:3] == [2000, 1]
    assert len(app.trails("contour")[0]["x"]) == 2001 and len(app.trails("surface")[0]["z"]) == 2001
    calls = [c for c, t in page.evaluate("window.__plotly") if t >= t0]
    seconds = (t1 - t0) / 1000
    # The contour and 3D scene are not redrawn by Plotly at all (the moving parts are canvas overlays);
    # the loss curve catches up about twice a second, the fit line once when the run comes to rest.
    assert calls.count("chart-contour") == 0 and calls.count("chart-surface") == 0, calls
    assert calls.count("chart-loss") <= 3 + 3 * seconds and calls.count("chart-fit") <= 3, (
        calls,
        seconds,
    )


def test_jump_to_end_and_home_end_keys(app: App, page: Page) -> None:
    app.open("epochs=30&speed=live")
    app.finished()
    page.keyboard.press("Home")
    app.wait(epoch=0, playing=False)
    page.keyboard.press("End")
    app.wait(epoch=30, playing=False)
    page.keyboard.press("Home")
    app.wait(epoch=0)
    page.get_by_role("button", name="Jump to end").click()
    app.wait(epoch=30, playing=False)


def test_the_two_epoch_counters_say_which_is_which(app: App, page: Page) -> None:
    app.open("epochs=30&speed=live")
    app.finished()
    page.keyboard.press("Home")
    app.wait(epoch=0)
    expect(page.locator("#progress-text")).to_have_text("received 30 / 30")
    expect(page.locator("#epoch-text")).to_have_text("shown: epoch 0 / 30")


def test_overlapping_squared_errors_are_all_wound_one_way(app: App, page: Page) -> None:
    """The squares are one filled path: with the nonzero rule, a square wound the other way
    would cut a hole where it overlaps another."""
    app.open("resid=1&speed=live&noise=3")
    app.finished()
    signs = page.eval_on_selector(
        "#chart-fit",
        """el => { const {x, y} = el.data[2]; const out = [];
          for (let i = 0; i + 4 < x.length; i += 6) { let a = 0;
            for (let j = 0; j < 4; j += 1) a += x[i + j] * y[i + j + 1] - x[i + j + 1] * y[i + j];
            if (Math.abs(a) > 1e-12) out.push(Math.sign(a)); }
          return out; }""",
    )
    assert len(signs) >= 15 and len(set(signs)) == 1


def test_manual_mode_offers_only_the_optimizer_it_takes(app: App, page: Page, watch: Watch) -> None:
    watch.allow_http_errors = True  # a link asking manual mode for adam: the server's 422
    app.open("mode=manual&optimizer=adam&epochs=10&speed=live")
    app.wait(status="invalid")
    options = page.eval_on_selector("#optimizer", "s => [...s.options].map(o => o.value)")
    assert options == ["sgd"]
    expect(page.locator("#err-optimizer")).to_be_visible()
