"""The ``gdviz`` command: ``gdviz serve`` starts the app, ``gdviz train`` runs one job headless.

``gdviz train`` builds the same ``Job`` the server builds, from a body validated by the same
``JobConfig``, so its bounds, error messages and numbers are the API's.
Exit codes of ``gdviz train``: 0 completed, 1 failed (a bug), 2 invalid input, 3 diverged, 130 interrupted.
"""

import argparse
import contextlib
import csv
import ctypes
import json
import os
import sys
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from .config import (
    MODE_OPTIMIZERS,
    OPTIMIZER_KNOBS,
    OPTIMIZERS,
    JobConfig,
    Poly,
    StartPoint,
    Synthetic,
    Upload,
)
from .network import ALL_INTERFACES, lan_address
from .payloads import Record
from .settings import Settings

if TYPE_CHECKING:
    from .job import Job
    from .uploads import UploadStore

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_DIVERGED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


MALLOC_ARENAS = 2
M_ARENA_MAX = -8  # glibc's mallopt parameter


def few_malloc_arenas() -> None:
    """glibc gives threads that allocate at once arenas of their own (up to 8 per core), and a
    server's training, request and build threads leave each fragmented: a 4-minute soak's memory
    peaked at 2,078 MB with them and 1,299 MB with two (docs/benchmarks.md). For this process and,
    through the environment, for --workers' processes; nothing where the C library is not glibc."""
    os.environ.setdefault("MALLOC_ARENA_MAX", str(MALLOC_ARENAS))
    with contextlib.suppress(OSError, AttributeError, ValueError):  # not glibc; not a number
        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, int(os.environ["MALLOC_ARENA_MAX"]))


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    try:
        redis_url = Settings(redis_url=args.redis).redis_url if args.redis else Settings().redis_url
    except ValidationError as exc:  # --redis itself (GDVIZ_* settings are main's)
        print(f"gdviz serve: --redis: {problems(exc)[0][1]}", file=sys.stderr)
        return EXIT_INVALID
    if redis_url and (refused := redis_refuses(redis_url)):  # before serving, in one line
        print(
            f"gdviz serve: {'--redis' if args.redis else 'GDVIZ_REDIS_URL'}: {refused}",
            file=sys.stderr,
        )
        return EXIT_INVALID
    if args.workers < 1:
        print("gdviz serve: --workers must be 1 or more", file=sys.stderr)
        return EXIT_INVALID
    if args.workers > 1 and not redis_url:
        print(
            "gdviz serve: --workers needs Redis (--redis redis://host:port/0 or GDVIZ_REDIS_URL): "
            "without it every process would keep its own jobs, and a stream could reach a process "
            "that never heard of its job",
            file=sys.stderr,
        )
        return EXIT_INVALID

    if args.lessons and not Path(args.lessons).is_dir():
        print(f"gdviz serve: --lessons: {args.lessons!r} is not a folder", file=sys.stderr)
        return EXIT_INVALID
    url = f"http://{'127.0.0.1' if args.host in ALL_INTERFACES else args.host}:{args.port}/"
    print(f"gdviz: serving on {url}", flush=True)
    if args.host in ALL_INTERFACES and (lan := lan_address()):
        print(f"gdviz: students on the same network open http://{lan}:{args.port}/", flush=True)
        if Path("/.dockerenv").exists():
            print(
                "gdviz: (in a container that address is the container's: students use the host's address "
                "and the published port; set GDVIZ_PUBLIC_URL to it, or the server refuses that host name)",
                flush=True,
            )
    # Every server process (this one, or each of --workers) builds its app from the environment:
    # the options go there, and the app reads them as its settings (share links, the guard).
    options = {"GDVIZ_HOST": args.host, "GDVIZ_PORT": str(args.port)}
    if args.redis:
        options["GDVIZ_REDIS_URL"] = args.redis
    if args.lessons:
        options["GDVIZ_LESSONS_DIR"] = str(Path(args.lessons).resolve())
    os.environ.update(options)
    few_malloc_arenas()
    config = uvicorn.Config(
        "gdviz.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=False,  # X-Forwarded-For only from GDVIZ_TRUSTED_PROXIES (gdviz.addresses)
        timeout_graceful_shutdown=1,  # open event streams must not hold up Ctrl-C
        timeout_worker_healthcheck=30,  # a worker warms torch up first: seconds on a busy machine
        log_level=args.log_level,
    )
    server = uvicorn.Server(config)
    if args.open:
        webbrowser.open(url)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it handled
        if args.workers > 1:
            from uvicorn.supervisors import Multiprocess

            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            server.run()
    return 0


def redis_refuses(url: str) -> str | None:
    """Why the Redis of ``url`` refuses this server (a wrong password, a database it has not),
    asked once: no retry mends that. A Redis unreachable now may come up later: a warning only."""
    import redis
    from redis.exceptions import (
        AuthenticationError,
        AuthorizationError,
        ConnectionError as Unreachable,
        ResponseError,
        TimeoutError as TimedOut,
    )

    from .settings import where

    probe = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        probe.ping()
    except (AuthenticationError, AuthorizationError, ResponseError) as exc:
        if "authenticat" in str(exc).lower() and "@" not in url:
            why = "it needs a password: redis://:PASSWORD@host:port/db"
        elif isinstance(exc, AuthenticationError | AuthorizationError):
            why = f"the password (or user) is wrong ({exc})"
        else:  # e.g. "DB index is out of range"
            why = str(exc)
        return f"Redis at {where(url)} refuses this server: {why}"
    except (Unreachable, TimedOut, OSError) as exc:
        print(
            f"gdviz serve: Redis at {where(url)} is unreachable for now ({exc}); "
            "requests that need it answer 503 until it is",
            file=sys.stderr,
            flush=True,
        )
    finally:
        probe.close()
    return None


# --- gdviz train ---


def job_body(args: argparse.Namespace, upload_id: str | None = None) -> dict[str, Any]:
    """The JSON body ``POST /api/jobs`` would get: only what was given, as given (pydantic parses it)."""
    body: dict[str, Any] = json.loads(Path(args.config).read_text()) if args.config else {}
    for field in RUN_OPTIONS:
        if (value := getattr(args, field)) is not None:
            body[field] = value
    init = {k: v for k in StartPoint.model_fields if (v := getattr(args, f"init_{k}")) is not None}
    if init:
        body["init"] = init
    if args.model is not None:
        body["model"] = {"kind": args.model}
    if args.degree is not None:  # a degree alone asks for a polynomial
        body["model"] = {**body.get("model", {"kind": "poly"}), "degree": args.degree}
    if upload_id is not None:
        body["dataset"] = {"kind": "upload", "id": upload_id}
    elif args.dataset is not None:
        body["dataset"] = (
            {"kind": "synthetic"}
            if args.dataset == "synthetic"
            else {"kind": "builtin", "name": args.dataset}
        )
    dataset = body.setdefault("dataset", {"kind": "synthetic"})
    for field in (*SYNTHETIC_OPTIONS, *UPLOAD_OPTIONS):
        if (value := getattr(args, field)) is not None:
            dataset[field] = value
    return body


def load_csv(path: Path, settings: Settings, uploads: "UploadStore") -> str:
    """Read a CSV as ``POST /api/datasets`` would, with its limits; answer the upload's id."""
    from .uploads import accept

    return accept(path.read_bytes(), path.name, settings, uploads).id


def flat(record: Record, names: list[str]) -> dict[str, float]:
    """A history record for a CSV row: params and grads as one column per parameter."""
    out = {k: v for k, v in record.items() if not isinstance(v, list | tuple)}
    if "params" not in record:  # a large network's epoch between those that carry them
        return out
    params, grads = (
        cast(tuple[float, ...], record["params"]),
        cast(tuple[float, ...], record["grads"]),
    )
    for name, value, grad in zip(names, params, grads, strict=True):
        out.setdefault(name, value)
        out.setdefault(f"grad_{name}", grad)
    return out


def named(names: list[str], values: list[float]) -> str:
    return "  ".join(f"{n} {v:.6g}" for n, v in zip(names, values, strict=True))


def write_history(job: "Job", path: Path) -> None:
    if path.suffix == ".json":
        out = {
            "config": job.config.model_dump(),
            "param_names": job.meta["param_names"],
            "least_squares": job.meta["least_squares"],
            "minimum": job.meta["minimum"],
            "done": job.done,
            "history": job.history,
        }
        path.write_text(json.dumps(out, indent=1, allow_nan=False) + "\n")
        return
    names = job.meta["param_names"]
    rows = [flat(record, names) for record in job.history]
    with path.open("w", newline="") as f:
        columns = list(rows[0]) if rows else ["epoch", "loss", *names, "lr"]
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def run_with_progress(job: "Job") -> None:
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
                    progress.update(
                        task, completed=cast(int, last["epoch"]), loss=f"loss {last['loss']:.6g}"
                    )
        except KeyboardInterrupt:
            job.cancel()
            worker.join()
            raise


def train(args: argparse.Namespace) -> int:
    from .config import ConfigError
    from .job import Job
    from .store.memory.log import MemoryLog
    from .store.memory.uploads import MemoryUploads
    from .uploads import UploadError

    def invalid(*lines: str) -> int:
        for line in lines:
            print(f"gdviz train: {line}", file=sys.stderr)
        return EXIT_INVALID

    settings = Settings()
    uploads = MemoryUploads(settings.max_uploads, settings.uploads_max_bytes)
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
            upload_id = load_csv(Path(args.dataset), settings, uploads)
        config = JobConfig.model_validate(
            job_body(args, upload_id), strict=False
        )  # command-line values are text
        job = Job(config, MemoryLog(), max_step_events=settings.max_step_events, uploads=uploads)
    except ValidationError as exc:
        return invalid(*(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    except (ConfigError, UploadError) as exc:
        return invalid(str(exc))
    except (OSError, json.JSONDecodeError) as exc:  # --config or --dataset unreadable
        return invalid(str(exc))

    d, names = job.data, job.meta["param_names"]
    start = ", ".join(
        f"{n} = {v:.6g}" for n, v in zip(names, job.training.start_params, strict=True)
    )
    print(
        f"{config.model.kind} · {config.mode} · {config.optimizer} · {config.loss} · lr {config.lr} · "
        f"{config.epochs} epochs · {d.name}, n = {d.n} · start {start}"
    )
    try:
        run_with_progress(job) if not args.no_progress else job.run()
    except KeyboardInterrupt:
        print("gdviz train: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    done, ls, lowest = job.done, job.meta["least_squares"], job.meta["minimum"]
    assert done is not None  # run() returns once the job has finished
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
        f"final ({done['epochs']} epochs): loss {done['loss']:.6g}  {named(names, done.get('params') or [])}"
    )
    if ls is not None:
        print(f"least squares:       loss {ls['loss']:.6g}  {named(names, ls['params'])}")
    where = lowest["params"]
    if where is None:
        print(f"minimum:             none: {lowest['reason']}")
    elif ls is None or where != ls["params"]:
        label = f"minimum ({config.loss}):".ljust(21)
        print(f"{label}loss {lowest['loss']:.6g}  {named(names, where)}")
    if out is not None:
        print(f"history written to {out}")
    return EXIT_OK


# --- the parser ---


# The options of ``gdviz train`` are JobConfig's fields: names, help, bounds and defaults come from
# the model, so the CLI cannot drift from the API. Left out: what only shapes the live stream.
STREAM_ONLY = ("granularity", "delay_ms")
RUN_OPTIONS = tuple(
    f for f in JobConfig.model_fields if f not in (*STREAM_ONLY, "init", "dataset", "model")
)
MODELS = ("line", "logistic", "poly")
SYNTHETIC_OPTIONS = tuple(f for f in Synthetic.model_fields if f != "kind")
UPLOAD_OPTIONS = ("x", "y")


def number(value: object) -> str:
    if isinstance(value, int | float) and value == int(value) and abs(value) >= 10_000:
        return f"{int(value):,}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def bounds(name: str, info: FieldInfo) -> str:
    """``0 < lr ≤ 100`` from the field's constraints ('' if it has none)."""
    low = high = ""
    for c in info.metadata:
        if isinstance(c, Ge | Gt):
            low = f"{number(c.ge)} ≤ " if isinstance(c, Ge) else f"{number(c.gt)} < "
        elif isinstance(c, Le | Lt):
            high = f" ≤ {number(c.le)}" if isinstance(c, Le) else f" < {number(c.lt)}"
    return f"{low}{name}{high}" if low or high else ""


def field_help(name: str, info: FieldInfo, extra: str = "", prefix: str = "") -> str:
    parts = [prefix + (info.description or name.replace("_", " "))]
    if get_origin(info.annotation) is Literal:
        parts.append(" | ".join(get_args(info.annotation)))
    elif info.annotation in (int, float, int | None):
        parts.append(bounds(name, info))
    parts.append(extra)
    default = "" if info.default is None else f" (default {number(info.default)})"
    return "; ".join(p for p in parts if p) + default


def add_field(
    group: argparse._ArgumentGroup,
    model: type[BaseModel],
    name: str,
    extra: str = "",
    prefix: str = "",
) -> None:
    info = model.model_fields[name]
    option = f"--{name.replace('_', '-')}"
    if info.annotation is bool:  # a switch that sets the field to what its default is not
        option = option if info.default is False else f"--no-{name.replace('_', '-')}"
        group.add_argument(
            option, dest=name, action="store_const", const=not info.default, help=info.description
        )
        return
    is_choice, is_int = get_origin(info.annotation) is Literal, info.annotation in (int, int | None)
    if not is_choice and info.annotation not in (int, float, int | None, float | None):
        # an object (e.g. the scheduler): given as the JSON the API takes
        group.add_argument(
            option, dest=name, metavar="JSON", type=json.loads, help=f"{info.description} (JSON)"
        )
        return
    group.add_argument(
        option,
        dest=name,
        metavar="NAME" if is_choice else "N" if is_int else "X",
        help=field_help(name, info, extra, prefix),
    )


def knob_users(knob: str) -> str:
    return "read by " + ", ".join(o for o, knobs in OPTIMIZER_KNOBS.items() if knob in knobs)


def add_train_options(p: argparse.ArgumentParser) -> None:
    run = p.add_argument_group("the run (the fields of POST /api/jobs; bounds as in docs/api.md)")
    run.add_argument(
        "--config",
        metavar="FILE",
        help="a JSON job config, as POSTed to /api/jobs; options override it",
    )
    knobs = {k for ks in OPTIMIZER_KNOBS.values() for k in ks}
    restricted = [
        f"mode {m} allows only {' | '.join(o)}"
        for m, o in MODE_OPTIMIZERS.items()
        if o != OPTIMIZERS
    ]
    for name in RUN_OPTIONS:
        extra = (
            knob_users(name)
            if name in knobs
            else "; ".join(restricted)
            if name == "optimizer"
            else ""
        )
        add_field(run, JobConfig, name, extra)
    run.add_argument(
        "--model",
        metavar="NAME",
        help=f"{JobConfig.model_fields['model'].description}; {' | '.join(MODELS)} (default line)",
    )
    degree = Poly.model_fields["degree"]
    run.add_argument(
        "--degree",
        metavar="N",
        help=f"poly: {degree.description}; {bounds('degree', degree)} (default {degree.default}; "
        "alone, it asks for poly)",
    )
    for name, info in StartPoint.model_fields.items():
        other = "b" if name == "w" else "w"
        run.add_argument(
            f"--init-{name}",
            dest=f"init_{name}",
            metavar=name.upper(),
            help=f"{info.description} (give --init-{other} too) instead of the random init",
        )
    data = p.add_argument_group("the data")
    data.add_argument(
        "--dataset",
        metavar="SOURCE",
        help="synthetic (default), a built-in name (anscombe1, faithful, cars, boston, carseats, "
        "default, …), or a CSV file",
    )
    for name in UPLOAD_OPTIONS:
        data.add_argument(
            f"--{name}", metavar="COLUMN", help=f"CSV: {Upload.model_fields[name].description}"
        )
    for name in SYNTHETIC_OPTIONS:
        add_field(data, Synthetic, name, prefix="synthetic: ")
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
        description="Start the web app. Alone, one process: jobs train in its threads and live in its "
        "memory. With --redis (or GDVIZ_REDIS_URL), jobs, their events and uploads live in Redis, "
        "any number of processes on any machines serve them, and --workers N runs N processes "
        "on this port. Ctrl-C stops it.",
    )
    defaults = Settings()
    p.add_argument(
        "--host",
        default=defaults.host,
        help="address to bind (default %(default)s; 0.0.0.0 for a classroom)",
    )
    p.add_argument("--port", type=int, default=defaults.port, help="port (default %(default)s)")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.add_argument(
        "--redis",
        metavar="URL",
        help="share jobs with other processes through this Redis, e.g. redis://localhost:6379/0 "
        "(default: GDVIZ_REDIS_URL, or none: everything in this process's memory)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="processes serving this port (default 1; more need Redis)",
    )
    p.add_argument(
        "--lessons",
        metavar="DIR",
        help="serve the lesson files (*.json) of DIR beside the built-in lessons "
        "(default: GDVIZ_LESSONS_DIR, or none)",
    )
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
        "final loss and parameters beside the least-squares solution (and the loss's own minimum). Exit codes: 0 completed, "
        "1 failed, 2 invalid input (the API's message), 3 diverged, 130 interrupted.",
    )
    add_train_options(t)
    t.set_defaults(func=train)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)  # the parser's defaults are the settings
        command: Callable[[argparse.Namespace], int] = args.func
        return command(args)
    except ValidationError as exc:
        if exc.title != Settings.__name__:
            raise
        for name, msg in problems(exc):  # a GDVIZ_* setting out of its bounds: one line each
            print(f"gdviz: {name}: {msg}", file=sys.stderr)
        return EXIT_INVALID


def problems(exc: ValidationError) -> list[tuple[str, str]]:
    """A settings error as (GDVIZ_NAME, what is wrong) pairs."""
    return [
        ("GDVIZ_" + "_".join(map(str, e["loc"])).upper(), e["msg"].removeprefix("Value error, "))
        for e in exc.errors()
    ]


if __name__ == "__main__":
    sys.exit(main())
