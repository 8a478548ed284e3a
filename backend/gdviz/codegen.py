"""Every job as a standalone PyTorch script: the lesson's code, with the job's numbers written in.

The script draws from torch's global generator in the engine's order — ``torch.manual_seed`` once,
then the data's noise, the start point, and a real ``DataLoader``'s shuffles — so its CSV rows equal
the job's ``epoch`` events. Phase comments (``# forward: …``) head the loop's lines; ``phases``
reads the line numbers back from them, for the page's "explain one update" view.
"""

import json
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from . import data as datasets
from .config import Builtin, ConfigError, JobConfig, Points, Synthetic, Upload
from .data import Data
from .losses import LOSSES
from .models import ModelDef, definition
from .train import optimizer_args
from .uploads import UploadStore

PHASES = ("forward", "loss", "backward", "step", "zero_grad")
MAX_INLINE_POINTS = 5000  # more points than this: the script reads the uploaded CSV instead

FULL_BATCH_LOOP = """print("epoch,loss,{header}")
for epoch in range(1, epochs + 1):
{changes}    # forward: predict y for every x with the current parameters
    Yhat = forward(X)
    # loss: how far the predictions are from Y
    loss = criterion(Yhat, Y)
    # backward: autograd puts d loss/d parameter in each parameter's .grad
    loss.backward()
{update}
{schedule}    # report: the epoch's loss, and {names} after its update (print writes floats in full)
    print(epoch, loss.item(), {report}, sep=",")
"""

OPTIMIZER_UPDATE = """    # step: the optimizer moves every parameter using its gradient
    my_optimizer.step()
    # zero_grad: forget the gradients, or the next backward would add to them
    my_optimizer.zero_grad()"""

MINIBATCH_LOOP = """n = len(X)
print("epoch,loss,{header}")
for epoch in range(1, epochs + 1):
{changes}    LOSS_sum = 0
    for xx, yy in trainloader:
        # forward: predict y for this mini-batch
        yhat = model(xx)
        # loss: the batch's loss; LOSS_sum adds it up, weighted by the batch's size
        loss = criterion(yhat, yy)
        LOSS_sum = LOSS_sum + {term}  # detach: keep the number, not its graph
        # backward: autograd puts d loss/d parameter in each parameter's .grad
        loss.backward()
        # step: the optimizer moves every parameter using its gradient
        my_optimizer.step()
        # zero_grad: forget the gradients, or the next backward would add to them
        my_optimizer.zero_grad()
{schedule}    # report: the epoch's loss over all n points, and {names} after its last update
    print(epoch, {total}, {report}, sep=",")
"""

READ_CSV = '''def number(cell):
    try:
        value = float(cell)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def read_csv(path, x_name, y_name):
    """Columns x_name and y_name in float64, keeping the rows where both cells are numbers (as
    gdviz does: UTF-8 or UTF-16 text; ',', ';' or tab between cells; decimal commas with ';')."""
    raw = open(path, "rb").read()
    text = raw.decode("utf-16" if raw[:2] in (b"\\xff\\xfe", b"\\xfe\\xff") else "utf-8-sig")
    text = text.replace("\\r\\n", "\\n").replace("\\r", "\\n")
    delimiter = max(",;\\t", key=text.split("\\n", 1)[0].count)
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip()[:200] or f"column {i + 1}" for i, h in enumerate(next(rows))]
    i, j = header.index(x_name), header.index(y_name)
    xs, ys = [], []
    for row in rows:
        if delimiter == ";":  # 1.234,5 → 1234.5
            row = [c.replace(".", "").replace(",", ".") if "," in c else c for c in row]
        x = number(row[i]) if i < len(row) else math.nan
        y = number(row[j]) if j < len(row) else math.nan
        if math.isfinite(x) and math.isfinite(y):
            xs.append(x)
            ys.append(y)
    as_column = lambda v: torch.tensor(v, dtype=torch.float64).view(-1, 1)  # noqa: E731
    return as_column(xs), as_column(ys)
'''

STANDARDIZE = """

# standardize: z-scores (v - mean) / std, with the population std
def z(v):
    std = v.std(unbiased=False)
    return (v - v.mean()) / (std if std > 0 else 1.0)


{z}
"""
TO_FLOAT32 = "X, Y = X.float(), Y.float()  # read (and z-scored) in float64, trained in float32\n"


@dataclass(frozen=True)
class Code:
    script: str
    filename: str
    phases: dict[str, list[int]]


def printable(text: str) -> str:
    """User text (an upload's file name) made safe for a one-line comment."""
    return "".join(c if c.isprintable() else "?" for c in text)


def float32_literal(value: float) -> str:
    """The shortest decimal that ``torch.tensor`` turns back into this very float32."""
    for digits in range(1, 10):
        text = f"{value:.{digits}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == value:
            return repr(float(text))
    return repr(value)


def tensor_literal(values: Tensor) -> str:
    items = [float32_literal(v) for v in values.view(-1).tolist()]
    rows = [", ".join(items[i : i + 10]) for i in range(0, len(items), 10)]
    return "torch.tensor([\n    " + ",\n    ".join(rows) + ",\n]).view(-1, 1)"


def given_data(config: JobConfig, trained: Data, uploads: UploadStore | None) -> tuple[Data, bool]:
    """The values to write out, and whether the script z-scores them itself."""
    spec = config.dataset
    if not config.standardize or isinstance(spec, Synthetic):  # synthetic data is drawn, not given
        return trained, False
    try:
        if isinstance(spec, Builtin):
            return datasets.builtin(spec), True
        if isinstance(spec, Points):
            return datasets.points(spec), True
        return datasets.uploaded(spec, uploads), True
    except ConfigError:  # the upload has expired: write the z-scores the job trained on
        return trained, False


CURVES = {"line": ("x", "X"), "parabola": ("x²", "X**2"), "sine": ("sin(x)", "torch.sin(X)")}


def standardize_lines(config: JobConfig) -> str:
    if not config.standardize:
        return ""
    both = definition(config.model).standardizes(config)
    return STANDARDIZE.format(z="X, Y = z(X), z(Y)" if both else "X = z(X)  # y stays 0/1")


def unwrapped(label: str) -> str:
    """A column's name from its label: z(name) when standardized."""
    return label[2:-1] if label.startswith("z(") and label.endswith(")") else label


def data_block(
    config: JobConfig, trained: Data, uploads: UploadStore | None
) -> tuple[str, set[str]]:
    """The lines that build X and Y, and the standard-library modules they need."""
    spec = config.dataset
    if isinstance(spec, Synthetic):
        if spec.n is None:
            x = f"torch.arange({spec.x_start!r}, {spec.x_stop!r}, {spec.x_step!r})"
        else:
            x = f"torch.linspace({spec.x_start!r}, {spec.x_stop!r}, {spec.n})"
        noise = "" if spec.noise == 1.0 else f"{spec.noise!r} * "
        f, f_code = CURVES[spec.curve]
        text = (
            f"# data: the lesson's generator, y = w0·{f} + b0 + ε with ε ~ N(0, {spec.noise:g}²)\n"
            f"X = {x}.view(-1, 1)\nw0, b0 = {spec.true_w!r}, {spec.true_b!r}\n"
            f"Y = w0 * {f_code} + b0 + {noise}torch.randn(X.shape)  # the run's first random draw: the noise ε\n"
        )
        if spec.labels:
            text += f"Y = (Y > 0).float()  # labels: 1 where the point lies above y = w0·{f} + b0, else 0\n"
        return text + standardize_lines(config), set()
    name = printable(trained.name)
    x_name, y_name = unwrapped(trained.x_label), unwrapped(trained.y_label)
    source = f"# data: {name} — x: {x_name!r}, y: {y_name!r}\n"
    if trained.dropped_rows:
        source += f"# ({trained.dropped_rows} rows with a missing or non-numeric cell left out)\n"
    if isinstance(spec, Upload) and trained.n > MAX_INLINE_POINTS:  # a built-in set is written out
        usage = f" path/to/{name}  (the CSV uploaded to gdviz)"
        text = (
            f"{READ_CSV}\n\n{source}"
            f"# {trained.n} points: too many to write out here, so read_csv reads them from the CSV\n"
            f"# named on the command line\n"
            f"if len(sys.argv) != 2:\n"
            f'    sys.exit("usage: python " + sys.argv[0] + {usage!r})\n'
            f"X, Y = read_csv(sys.argv[1], {x_name!r}, {y_name!r})\n"
        )
        text += standardize_lines(config)
        return text + TO_FLOAT32, {"csv", "io", "math", "sys"}
    given, standardize = given_data(config, trained, uploads)
    if config.standardize and not standardize:
        source += "# (already z-scored here: the original upload has expired from the server)\n"
    if given.x.dtype == torch.float64:  # an upload, to be z-scored: in float64, as gdviz does
        x, y = (
            f"torch.tensor({v.view(-1).tolist()!r}, dtype=torch.float64).view(-1, 1)"
            for v in (given.x, given.y)
        )
        text = f"{source}# {given.n} points\nX = {x}\nY = {y}\n"
        return text + standardize_lines(config) + TO_FLOAT32, set()
    text = (
        f"{source}# {given.n} points, written out as float32 values\n"
        f"X = {tensor_literal(given.x)}\nY = {tensor_literal(given.y)}\n"
    )
    return text + (standardize_lines(config) if standardize else ""), set()


def scheduler_lines(config: JobConfig) -> tuple[str, str]:
    """The scheduler's construction, and its step at the end of each epoch (indented)."""
    spec = config.scheduler
    if spec is None:
        return "", ""
    args = spec.model_dump(exclude={"name"})
    if spec.name == "OneCycleLR":
        args["total_steps"] = config.epochs
    given = "".join(f", {k}={v!r}" for k, v in args.items())
    build = (
        "# scheduler: a new lr every epoch, stepped after that epoch's updates\n"
        f"scheduler = torch.optim.lr_scheduler.{spec.name}(my_optimizer{given})\n"
    )
    if spec.name != "ReduceLROnPlateau":
        return build, "    scheduler.step()\n"
    epoch_loss = LOSSES[config.loss].total_code if config.minibatch else "loss.item()"
    return build, f"    scheduler.step({epoch_loss})  # on the epoch's loss\n"


def change_lines(config: JobConfig, changes: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """The live changes made during the run, as a table by epoch, and the lines applying them."""
    if not changes:
        return "", ""
    table: dict[int, object]
    if config.mode == "manual":
        table = {int(c["epoch"]): c["lr"] for c in changes}
        apply = "    if epoch in changes:  # a change made while the job ran\n        lr = changes[epoch]\n"
    else:
        betas = (config.beta1, config.beta2)
        table = {}
        for c in changes:
            group: dict[str, object] = {
                k: v for k, v in c.items() if k in ("lr", "momentum", "alpha")
            }
            if "beta1" in c or "beta2" in c:
                betas = (c.get("beta1", betas[0]), c.get("beta2", betas[1]))
                group["betas"] = betas
            table[int(c["epoch"])] = group
        apply = (
            "    for group in my_optimizer.param_groups:  # changes made while the job ran\n"
            "        group.update(changes.get(epoch, {}))\n"
        )
    return (
        f"# live changes: epoch -> the values used from that epoch on\nchanges = {table!r}\n",
        apply,
    )


def training_block(config: JobConfig, changes: Sequence[Mapping[str, Any]] = ()) -> str:
    model = definition(config.model)
    code = model.code(config.mode)
    blocks = [code.block]
    start = config.init_params or ([config.init.w, config.init.b] if config.init else None)
    if start is not None:
        fills = "".join(
            f"    {slot}.fill_({v!r})\n" for slot, v in zip(code.slots, start, strict=True)
        )
        blocks.append(
            "# start point: the job's parameters replace the random ones (still drawn, so the shuffles match)\n"
            f"with torch.no_grad():\n{fills}"
        )
    criterion = model.criterion_code(config).replace("delta=delta", f"delta={config.huber_delta!r}")
    if "#" not in criterion:
        criterion += f"  # {LOSSES[config.loss].title}"
    blocks.append(f"\ndef criterion(yhat, y):\n    return {criterion}\n\n")
    if config.mode == "manual":
        blocks.append(f"lr = {config.lr!r}\nepochs = {config.epochs}\n")
    else:
        torch_optimizer, kwargs = optimizer_args(config)
        args = "".join(f", {k}={v!r}" for k, v in kwargs.items())
        optimizer = f"torch.optim.{torch_optimizer.__name__}({code.optimizer_params}{args})"
        blocks.append(f"my_optimizer = {optimizer}\nepochs = {config.epochs}\n")
    build_scheduler, schedule = scheduler_lines(config)
    changes_table, apply_changes = change_lines(config, list(changes))
    if build_scheduler or changes_table:
        blocks.append(build_scheduler + changes_table)
    report = {
        "header": ",".join(model.names),
        "names": f"({', '.join(model.names)})",
        "report": code.report or ", ".join(f"{slot}.item()" for slot in code.slots),
        "changes": apply_changes,
        "schedule": schedule,
    }
    if config.minibatch:
        deals = "shuffles the rows and deals them" if config.shuffle else "deals the rows"
        blocks.append(
            f"# mini-batches: each epoch the loader {deals} out {config.batch_size} at a time\n"
            f"trainloader = DataLoader(dataset=TensorDataset({code.inputs}, Y), batch_size={config.batch_size}, "
            f"shuffle={config.shuffle})\n"
        )
        loss = LOSSES[config.loss]
        blocks.append(MINIBATCH_LOOP.format(term=loss.term_code, total=loss.total_code, **report))
    else:
        update = code.manual_update if config.mode == "manual" else OPTIMIZER_UPDATE
        blocks.append(FULL_BATCH_LOOP.format(update=update, **report))
    return "\n".join(blocks)


def describe(config: JobConfig) -> str:
    if config.mode == "manual":
        how = "gradient descent by hand"
    else:
        how = f"torch.optim '{config.optimizer}'"
    batches = f"mini-batches of {config.batch_size}" if config.minibatch else "the full batch"
    return f"mode '{config.mode}': {how} on {batches}, {config.loss} loss"


def needs_math(config: JobConfig, model: ModelDef) -> bool:
    """The epoch's loss of a root loss over mini-batches takes math.sqrt."""
    return config.minibatch and "math." in LOSSES[config.loss].total_code


def phases(script: str) -> dict[str, list[int]]:
    """1-based line numbers of each phase: its ``# phase:`` comment and the statements under it."""
    found: dict[str, list[int]] = {phase: [] for phase in PHASES}
    current, indent = None, 0
    for number, line in enumerate(script.split("\n"), 1):
        stripped = line.lstrip()
        depth = len(line) - len(stripped)
        if stripped.startswith("#"):
            head = stripped[1:].split(":")[0].strip()
            current, indent = (head, depth) if head in found else (None, 0)
        elif not stripped or depth < indent:
            current = None
        if current is not None:
            found[current].append(number)
    return found


def generate(
    job_id: str,
    config: JobConfig,
    trained: Data,
    changes: Sequence[Mapping[str, Any]] = (),
    uploads: UploadStore | None = None,
) -> Code:
    """The script for a job, given the data it trained on (and where its upload may still be)."""
    filename = f"gdviz_{config.mode}_{job_id}.py"
    model = definition(config.model)
    data_text, modules = data_block(config, trained, uploads)
    if needs_math(config, model):
        modules = modules | {"math"}
    run = f"python {filename}" + (" data.csv" if "sys" in modules else "")
    settings = json.dumps(
        config.model_dump(mode="json", exclude_defaults=True)
    )  # ASCII: safe in a docstring
    header = (
        f'"""gdviz job {job_id} — {describe(config)}.\n\n'
        f"Fits {model.formula} with PyTorch alone, the way the lesson writes it: the same data,\n"
        "start point, shuffles and updates as the job, so every row equals the job's streamed epoch event.\n\n"
        f"Run:    {run} > history.csv\n"
        f"Prints: CSV with the header epoch,loss,{','.join(model.names)}, then one row per epoch\n"
        "(the parameters after its updates).\n"
        f"Config: {settings}\n"
        '"""\n\n'
    )
    imports = "".join(f"import {m}\n" for m in sorted(modules)) + ("\n" if modules else "")
    imports += "import torch\n"
    if config.minibatch:
        imports += "from torch.utils.data import DataLoader, TensorDataset\n"
    script = (
        header
        + imports
        + "\n# one seed for every random draw, in order: the data's noise, the start point, the shuffles\n"
        + f"torch.manual_seed({config.seed})\n\n"
        + data_text
        + "\n"
        + training_block(config, changes)
    )
    return Code(script, filename, phases(script))
