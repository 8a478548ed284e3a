"""The ``gdviz`` command: ``gdviz serve`` starts the app, ``gdviz train`` runs one job headless.

``gdviz train`` builds the same ``Job`` the server builds, from a body validated by the same
``JobConfig``, so its bounds, error messages and numbers are the API's.
Exit codes of ``gdviz train``: 0 completed, 1 failed (a bug), 2 invalid input, 3 diverged, 130 interrupted.
"""

import argparse
import csv
import json
import socket
import sys
import threading
import webbrowser
from pathlib import Path

from .config import JobConfig, Synthetic
from .settings import settings

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_DIVERGED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def lan_address() -> str | None:
    """The IPv4 address this machine would reach its network from (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    url = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}/"
    print(f"gdviz: serving on {url}", flush=True)
    if args.host in ("0.0.0.0", "::") and (lan := lan_address()):
        print(f"gdviz: students on the same network open http://{lan}:{args.port}/", flush=True)
        if Path("/.dockerenv").exists():
            print(
                "gdviz: (in a container that address is the container's: students use the host's address "
                "and the published port; set GDVIZ_PUBLIC_URL to it, or the server refuses that host name)",
                flush=True,
            )
    settings.host, settings.port = args.host, args.port  # the app reads them (share links)
    config = uvicorn.Config(
        "gdviz.app:app",
        host=args.host,
        port=args.port,
        workers=1,  # jobs live in this one process; several workers would split them
        timeout_graceful_shutdown=1,  # open event streams must not hold up Ctrl-C
        log_level=args.log_level,
    )
    server = uvicorn.Server(config)
    if args.open:
        webbrowser.open(url)
    try:
        server.run()
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it already handled
        pass
    return 0


# --- gdviz train ---

SYNTHETIC_OPTIONS = ("n", "noise", "true_w", "true_b", "x_start", "x_stop", "x_step")


def job_body(args: argparse.Namespace, upload_id: str | None = None) -> dict:
    """The JSON body ``POST /api/jobs`` would get: only what was given, as given (pydantic parses it)."""
    body: dict = json.loads(Path(args.config).read_text()) if args.config else {}
    for field in (
        "mode",
        "optimizer",
        "loss",
        "lr",
        "epochs",
        "batch_size",
        "seed",
        "momentum",
        "beta1",
        "beta2",
        "alpha",
        "huber_delta",
    ):
        if (value := getattr(args, field)) is not None:
            body[field] = value
    if args.no_shuffle:
        body["shuffle"] = False
    if args.standardize:
        body["standardize"] = True
    if args.init_w is not None or args.init_b is not None:
        body["init"] = {k: v for k, v in (("w", args.init_w), ("b", args.init_b)) if v is not None}
    if upload_id is not None:
        body["dataset"] = {"kind": "upload", "id": upload_id}
    elif args.dataset is not None:
        body["dataset"] = (
            {"kind": "synthetic"}
            if args.dataset == "synthetic"
            else {"kind": "builtin", "name": args.dataset}
        )
    dataset = body.setdefault("dataset", {"kind": "synthetic"})
    for field in (*SYNTHETIC_OPTIONS, "x", "y"):
        if (value := getattr(args, field)) is not None:
            dataset[field] = value
    return body


def load_csv(path: Path) -> str:
    """Read a CSV as ``POST /api/datasets`` would, with its limits; answer the upload's id."""
    from .uploads import UploadError, parse_csv, uploads

    raw = path.read_bytes()
    if len(raw) > settings.upload_max_bytes:
        raise UploadError(413, f"file: larger than {settings.upload_max_bytes} bytes (the limit)")
    table = parse_csv(raw, path.name, settings.upload_max_rows)
    uploads.add(table)
    return table.id


def write_history(job, path: Path) -> None:
    if path.suffix == ".json":
        out = {
            "config": job.config.model_dump(),
            "least_squares": job.meta["least_squares"],
            "done": job.done,
            "history": job.history,
        }
        path.write_text(json.dumps(out, indent=1, allow_nan=False) + "\n")
        return
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["epoch", "loss", "w", "b", "grad_w", "grad_b"])
        writer.writeheader()
        writer.writerows(job.history)


def run_with_progress(job) -> None:
    """Train in a thread while the main thread draws the bar (and takes Ctrl-C)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    worker = threading.Thread(target=job.run, name="gdviz-train", daemon=True)
    columns = (
        TextColumn("epoch"),
        MofNCompleteColumn(),
        BarColumn(),
        TextColumn("{task.fields[loss]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("train", total=job.config.epochs, loss="")
        worker.start()
        try:
            while worker.is_alive():
                worker.join(0.1)
                if job.history:
                    last = job.history[-1]
                    progress.update(task, completed=last["epoch"], loss=f"loss {last['loss']:.6g}")
        except KeyboardInterrupt:
            job.cancel()
            worker.join()
            raise


def train(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from .config import ConfigError
    from .jobs import Job
    from .uploads import UploadError

    def invalid(*lines: str) -> int:
        for line in lines:
            print(f"gdviz train: {line}", file=sys.stderr)
        return EXIT_INVALID

    out = Path(args.out) if args.out else None
    if out is not None and out.suffix not in (".csv", ".json"):
        return invalid(f"out: must end in .csv or .json, got {args.out!r}")
    try:
        upload_id = None
        if args.dataset is not None and (
            Path(args.dataset).is_file() or args.dataset.endswith(".csv")
        ):
            if not Path(args.dataset).is_file():
                return invalid(f"dataset: no such file {args.dataset!r}")
            upload_id = load_csv(Path(args.dataset))
        config = JobConfig.model_validate(
            job_body(args, upload_id), strict=False
        )  # command-line values are text
        job = Job(config, settings.max_step_events)
    except ValidationError as exc:
        return invalid(*(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    except (ConfigError, UploadError) as exc:
        return invalid(str(exc))
    except (OSError, json.JSONDecodeError) as exc:  # --config or --dataset unreadable
        return invalid(str(exc))

    d = job.data
    print(
        f"{config.mode} · {config.optimizer} · lr {config.lr} · {config.epochs} epochs · "
        f"{d.name}, n = {d.n} · start w = {job.training.start['w']:.6g}, b = {job.training.start['b']:.6g}"
    )
    try:
        run_with_progress(job) if not args.no_progress else job.run()
    except KeyboardInterrupt:
        print("gdviz train: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    done, ls = job.done, job.meta["least_squares"]
    if out is not None:
        write_history(job, out)
    if done["status"] == "diverged":
        print(
            f"gdviz train: diverged: {done['reason']} (lr {config.lr} is too large here; try a smaller --lr)",
            file=sys.stderr,
        )
        return EXIT_DIVERGED
    if done["status"] != "completed":
        print(f"gdviz train: {done['status']}: {done['reason']}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"final ({done['epochs']} epochs): loss {done['loss']:.6g}  w {done['w']:.6g}  b {done['b']:.6g}"
    )
    print(f"least squares:       loss {ls['loss']:.6g}  w {ls['w']:.6g}  b {ls['b']:.6g}")
    if out is not None:
        print(f"history written to {out}")
    return EXIT_OK


# --- the parser ---


def default(model: type, field: str) -> str:
    """A field's default as the help shows it: taken from the model, so the two cannot drift."""
    return str(model.model_fields[field].default)


def add_train_options(p: argparse.ArgumentParser) -> None:
    j, s = JobConfig, Synthetic
    run = p.add_argument_group("the run (the fields of POST /api/jobs; bounds as in docs/api.md)")
    run.add_argument(
        "--config",
        metavar="FILE",
        help="a JSON job config, as POSTed to /api/jobs; options override it",
    )
    run.add_argument(
        "--mode",
        metavar="NAME",
        help=f"manual | sgd | minibatch | design | linear (default {default(j, 'mode')})",
    )
    run.add_argument(
        "--optimizer",
        metavar="NAME",
        help=f"sgd | momentum | nesterov | adam | rmsprop | adagrad (default {default(j, 'optimizer')})",
    )
    run.add_argument(
        "--lr", metavar="LR", help=f"learning rate, 0 < lr <= 100 (default {default(j, 'lr')})"
    )
    run.add_argument("--epochs", metavar="N", help=f"1 … 20000 (default {default(j, 'epochs')})")
    run.add_argument(
        "--batch-size",
        metavar="N",
        help=f"mini-batch modes, 1 … n (default {default(j, 'batch_size')})",
    )
    run.add_argument("--no-shuffle", action="store_true", help="visit mini-batches in order")
    run.add_argument(
        "--seed",
        metavar="N",
        help=f"one torch.manual_seed for data, init and shuffles (default {default(j, 'seed')})",
    )
    run.add_argument(
        "--loss", metavar="NAME", help=f"mse | mae | huber (default {default(j, 'loss')})"
    )
    run.add_argument(
        "--huber-delta", metavar="X", help=f"huber's δ (default {default(j, 'huber_delta')})"
    )
    run.add_argument(
        "--momentum",
        metavar="X",
        help=f"momentum, nesterov, rmsprop (default {default(j, 'momentum')})",
    )
    run.add_argument("--beta1", metavar="X", help=f"adam (default {default(j, 'beta1')})")
    run.add_argument("--beta2", metavar="X", help=f"adam (default {default(j, 'beta2')})")
    run.add_argument(
        "--alpha", metavar="X", help=f"rmsprop smoothing (default {default(j, 'alpha')})"
    )
    run.add_argument(
        "--init-w", metavar="W", help="start w (give --init-b too) instead of the random init"
    )
    run.add_argument("--init-b", metavar="B", help="start b (give --init-w too)")
    run.add_argument("--standardize", action="store_true", help="z-score x and y before training")
    data = p.add_argument_group("the data")
    data.add_argument(
        "--dataset",
        metavar="SOURCE",
        help="synthetic (default), a built-in name (anscombe1, faithful, cars, …), or a CSV file",
    )
    data.add_argument(
        "--x", metavar="COLUMN", help="CSV: the x column (default: the first numeric one)"
    )
    data.add_argument(
        "--y", metavar="COLUMN", help="CSV: the y column (default: the second numeric one)"
    )
    for field in SYNTHETIC_OPTIONS:
        info = s.model_fields[field]
        data.add_argument(
            f"--{field.replace('_', '-')}",
            dest=field,
            metavar="N" if field == "n" else "X",
            help=f"synthetic: {info.description or field.replace('_', ' ')}"
            + ("" if info.default is None else f" (default {info.default})"),
        )
    output = p.add_argument_group("output")
    output.add_argument("--out", metavar="FILE", help="write the history to FILE.csv or FILE.json")
    output.add_argument("--no-progress", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gdviz", description="Gradient descent made visible, in real PyTorch."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser(
        "serve",
        help="start the web app",
        description="Start the web app in one process: jobs train in its worker threads and live in its "
        "memory, so it is never run with several workers (each would hold its own jobs, and a "
        "stream could land on a worker that has never heard of its job). Ctrl-C stops it.",
    )
    p.add_argument(
        "--host",
        default=settings.host,
        help="address to bind (default %(default)s; 0.0.0.0 for a classroom)",
    )
    p.add_argument("--port", type=int, default=settings.port, help="port (default %(default)s)")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn's log level (default %(default)s)",
    )
    p.set_defaults(func=serve)
    t = commands.add_parser(
        "train",
        help="run one training job headless",
        description="Run one training job in this terminal, with the engine the server uses, and print the "
        "final loss, w and b beside the least-squares solution. Exit codes: 0 completed, "
        "1 failed, 2 invalid input (the API's message), 3 diverged, 130 interrupted.",
    )
    add_train_options(t)
    t.set_defaults(func=train)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
